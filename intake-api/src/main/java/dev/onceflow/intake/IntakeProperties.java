package dev.onceflow.intake;

import dev.onceflow.intake.account.MaxAmount;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param idempotencyKeyTtl how long a client's Idempotency-Key is remembered; after that the same
 *     key starts a new transaction
 * @param draftTtl how long a draft waits for its confirm before it expires
 * @param redriveAfter how long a new transaction's event is trusted to reach a worker before the
 *     recovery sweeper enqueues it again
 * @param maxAmount the largest amount one transaction may carry, by currency
 * @param maxWait the longest a poll may wait with {@code Prefer: wait=N}
 * @param pollInterval how often the long-poll watcher reads the states of all waiting transactions
 * @param maxBodySize the largest request body accepted (larger: 413)
 * @param expiryBatchSize rows per DB transaction when purging expired keys or expiring drafts
 */
@ConfigurationProperties("onceflow.intake")
public record IntakeProperties(
    @DefaultValue("24h") Duration idempotencyKeyTtl,
    @DefaultValue("1h") Duration draftTtl,
    @DefaultValue("30s") Duration redriveAfter,
    @DefaultValue MaxAmount maxAmount,
    @DefaultValue("30s") Duration maxWait,
    @DefaultValue("50ms") Duration pollInterval,
    @DefaultValue("16KB") DataSize maxBodySize,
    @DefaultValue("1000") int expiryBatchSize) {}

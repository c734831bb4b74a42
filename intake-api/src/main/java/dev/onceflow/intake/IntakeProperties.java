package dev.onceflow.intake;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param idempotencyKeyTtl how long a client's Idempotency-Key is remembered
 * @param redriveAfter how long a new transaction's event is trusted to reach a worker before the
 *     recovery sweeper enqueues it again
 * @param maxAmount the largest amount, in minor units, one transaction may carry
 * @param maxWait the longest a poll may wait with {@code Prefer: wait=N}
 */
@ConfigurationProperties("onceflow.intake")
public record IntakeProperties(
    @DefaultValue("24h") Duration idempotencyKeyTtl,
    @DefaultValue("30s") Duration redriveAfter,
    @DefaultValue("100000000000") long maxAmount,
    @DefaultValue("30s") Duration maxWait) {}

package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.store.IdempotencyKeys;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * Deletes expired Idempotency-Keys in batches, one DB transaction per batch, so the purge never
 * holds many row locks or a long transaction. Correctness does not depend on it: a claim treats an
 * expired row as free. It only keeps the table from growing.
 */
@Component
public class IdempotencyKeyPurge {

  private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyPurge.class);

  private final IdempotencyKeys keys;
  private final IntakeProperties properties;
  private final Clock clock;

  IdempotencyKeyPurge(IdempotencyKeys keys, IntakeProperties properties, Clock clock) {
    this.keys = keys;
    this.properties = properties;
    this.clock = clock;
  }

  /** Purges until a batch comes back short; returns how many keys were deleted. */
  @Scheduled(
      initialDelayString = "${onceflow.intake.key-purge-interval:1m}",
      fixedDelayString = "${onceflow.intake.key-purge-interval:1m}")
  public int purgeExpired() {
    int batchSize = properties.expiryBatchSize();
    int total = 0;
    try {
      int deleted;
      do {
        deleted = keys.purgeExpired(clock.instant(), batchSize);
        total += deleted;
      } while (deleted == batchSize);
    } catch (DataAccessException | TransactionException e) {
      log.warn("Purging expired idempotency keys stopped after {}: {}", total, e.getMessage());
      return total;
    }
    if (total > 0) {
      log.info("Purged {} expired idempotency keys", total);
    }
    return total;
  }
}

package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.store.TransactionTransitions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * Moves drafts not confirmed within {@code onceflow.intake.draft-ttl} to FAILED (DRAFT_EXPIRED), in
 * batches. A draft reserved nothing and published nothing, so expiring one releases nothing and
 * writes no event. A confirm that finds an overdue draft first expires it itself.
 */
@Component
public class DraftExpiry {

  private static final Logger log = LoggerFactory.getLogger(DraftExpiry.class);

  private final TransactionTransitions transactions;
  private final IntakeProperties properties;
  private final Clock clock;

  DraftExpiry(TransactionTransitions transactions, IntakeProperties properties, Clock clock) {
    this.transactions = transactions;
    this.properties = properties;
    this.clock = clock;
  }

  /** Expires overdue drafts until a batch comes back short; returns how many. */
  @Scheduled(
      initialDelayString = "${onceflow.intake.draft-expiry-interval:10s}",
      fixedDelayString = "${onceflow.intake.draft-expiry-interval:10s}")
  public int expireOverdue() {
    int batchSize = properties.expiryBatchSize();
    int total = 0;
    try {
      int expired;
      do {
        expired = transactions.expireDrafts(clock.instant(), batchSize);
        total += expired;
      } while (expired == batchSize);
    } catch (DataAccessException | TransactionException e) {
      log.warn("Expiring drafts stopped after {}: {}", total, e.getMessage());
      return total;
    }
    if (total > 0) {
      log.info("Expired {} unconfirmed drafts", total);
    }
    return total;
  }
}

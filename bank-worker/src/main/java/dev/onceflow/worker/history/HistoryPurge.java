package dev.onceflow.worker.history;

import dev.onceflow.store.TransactionHistory;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * Deletes the history of final payments older than {@code onceflow.history.retention}, in batches,
 * each its own statement, so that the purge never holds many row locks. Several workers may run it:
 * a row deleted twice is deleted once.
 */
@Component
public class HistoryPurge {

  private static final Logger log = LoggerFactory.getLogger(HistoryPurge.class);

  private final TransactionHistory history;
  private final HistoryProperties properties;
  private final Clock clock;

  HistoryPurge(TransactionHistory history, HistoryProperties properties, Clock clock) {
    this.history = history;
    this.properties = properties;
    this.clock = clock;
  }

  /** Purges until a batch comes back short; returns how many rows were deleted. */
  @Scheduled(
      initialDelayString = "${onceflow.history.purge-interval:1h}",
      fixedDelayString = "${onceflow.history.purge-interval:1h}")
  public int purge() {
    int batchSize = properties.purgeBatchSize();
    int total = 0;
    try {
      int deleted;
      do {
        deleted = history.purge(clock.instant().minus(properties.retention()), batchSize);
        total += deleted;
      } while (deleted >= batchSize);
    } catch (DataAccessException | TransactionException e) {
      log.warn("Purging payment history stopped after {} rows: {}", total, e.getMessage());
      return total;
    }
    if (total > 0) {
      log.info("Purged {} rows of payment history older than {}", total, properties.retention());
    }
    return total;
  }
}

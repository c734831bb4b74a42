package dev.onceflow.worker.recovery;

import dev.onceflow.model.EventType;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.OutboxWriter;
import dev.onceflow.store.TransactionHistory;
import dev.onceflow.store.TransactionTransitions;
import dev.onceflow.store.TransactionTransitions.StaleTransaction;
import dev.onceflow.worker.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.hibernate.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds transactions nobody is working on and enqueues them again through the outbox: PENDING rows
 * whose event is overdue (lost, or a retry that is now due), UNKNOWN rows whose next lookup is due,
 * and PROCESSING rows whose worker's lease ran out (it crashed or hung mid-call). Safe to run on
 * every worker instance.
 */
@Component
@ConditionalOnBooleanProperty(name = "onceflow.sweeper.enabled", matchIfMissing = true)
public class RecoverySweeper {

  private static final Logger log = LoggerFactory.getLogger(RecoverySweeper.class);

  private final TransactionTransitions transactions;
  private final TransactionHistory history;
  private final OutboxWriter outbox;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Duration redriveAfter;
  private final int batchSize;
  private final TransactionTemplate batchTransaction;
  private final EntityManager entityManager;

  RecoverySweeper(
      TransactionTransitions transactions,
      TransactionHistory history,
      OutboxWriter outbox,
      Clock clock,
      MeterRegistry meters,
      WorkerProperties worker,
      SweeperProperties sweeper,
      PlatformTransactionManager transactionManager,
      EntityManager entityManager) {
    this.transactions = transactions;
    this.history = history;
    this.outbox = outbox;
    this.clock = clock;
    this.meters = meters;
    this.redriveAfter = worker.redriveAfter();
    this.batchSize = sweeper.batchSize();
    this.batchTransaction = new TransactionTemplate(transactionManager);
    this.entityManager = entityManager;
  }

  @Scheduled(fixedDelayString = "${onceflow.sweeper.interval:1s}")
  void sweepOnSchedule() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("Recovery sweep failed; the next one retries", e);
    }
  }

  /** Runs one batch in one DB transaction; returns how many rows it enqueued again. */
  public int sweep() {
    List<String> enqueuedFrom =
        batchTransaction.execute(
            status -> {
              Instant now = clock.instant();
              List<String> from = new ArrayList<>();
              List<StaleTransaction> stale = transactions.lockStale(now, batchSize);
              if (!stale.isEmpty()) {
                // The only state this batch changes: PROCESSING -> PENDING.
                history.because(
                    "the claim's lease ran out (its worker stopped or hung); the sweeper made it due again");
              }
              for (StaleTransaction row : stale) {
                try {
                  if (inSavepoint(() -> redrive(row, now))) {
                    from.add(row.state().name());
                  }
                } catch (RuntimeException e) {
                  log.warn(
                      "Could not re-enqueue transaction {}; the next sweep retries", row.id(), e);
                  Counter.builder("onceflow.sweeper.errors")
                      .description("Rows the recovery sweeper failed to re-enqueue")
                      .register(meters)
                      .increment();
                  if (status.isRollbackOnly()) {
                    // A failed SQL statement dooms the whole JPA transaction: the batch rolls back
                    // and the next sweep starts over.
                    status.setRollbackOnly();
                    return List.of();
                  }
                }
              }
              return from;
            });
    if (enqueuedFrom == null) {
      return 0;
    }
    // Counted once committed, so the metric never shows work that was rolled back.
    enqueuedFrom.forEach(state -> reenqueued(state.toLowerCase(Locale.ROOT)).increment());
    return enqueuedFrom.size();
  }

  /**
   * Runs one row's statements under a JDBC savepoint of the batch transaction, so that a row that
   * fails half-way (its UPDATE done, its outbox event not) is undone alone, not committed
   * half-done. JPA has no nested transactions, hence the savepoint on Hibernate's connection.
   */
  private <T> T inSavepoint(Supplier<T> work) {
    Session session = entityManager.unwrap(Session.class);
    Savepoint savepoint = session.doReturningWork(Connection::setSavepoint);
    try {
      T result = work.get();
      session.doWork(connection -> connection.releaseSavepoint(savepoint));
      return result;
    } catch (RuntimeException e) {
      session.doWork(connection -> connection.rollback(savepoint));
      throw e;
    }
  }

  private boolean redrive(StaleTransaction row, Instant now) {
    Instant redriveAt = now.plus(redriveAfter);
    boolean processing = row.state() == TransactionState.PROCESSING;
    boolean changed =
        processing
            ? transactions.releaseExpiredClaim(row.id(), now, redriveAt)
            : transactions.extendStaleLease(row.id(), now, redriveAt);
    if (!changed) {
      // We hold the row lock, so the guards should always pass; they stay because they, not the
      // lock, are what make this update correct against a row that moved on.
      log.debug("Transaction {} moved on before the sweeper got to it", row.id());
      return false;
    }
    if (processing) {
      log.info("Lease on transaction {} expired; enqueuing it again", row.id());
    }
    outbox.append(EventType.TRANSACTION_REQUESTED, row.id(), now);
    return true;
  }

  private Counter reenqueued(String from) {
    return Counter.builder("onceflow.sweeper.reenqueued")
        .description("Transactions the recovery sweeper enqueued again, by the state they were in")
        .tag("from", from)
        .register(meters);
  }
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.worker.outbox.OutboxWriter;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The worker's DB transactions. Each outcome (the transaction's row, the account, the outbox
 * event) commits together or not at all, and only for the claim that still holds the row.
 */
@Component
class SettlementTransitions {

  private static final int FAILURE_DETAIL_LENGTH = 500;

  private final SettlementRepository transactions;
  private final OutboxWriter outbox;

  SettlementTransitions(SettlementRepository transactions, OutboxWriter outbox) {
    this.transactions = transactions;
    this.outbox = outbox;
  }

  /**
   * Claims the row if it is PENDING or UNKNOWN and due; empty if another worker has it, or it is
   * final or not due. One statement, so it commits on its own: no transaction (and entity manager)
   * around it.
   */
  public Optional<ClaimedTransaction> claim(UUID id, Instant now, Instant leaseUntil) {
    return transactions.claim(id, now, leaseUntil);
  }

  /** PROCESSING or UNKNOWN -> COMPLETED, the amount paid out of the account; false if the lease was lost. */
  @Transactional
  public boolean complete(ClaimedTransaction tx, String bankReference, Instant now) {
    if (!changedOne(transactions.complete(tx.id(), tx.state(), tx.version(), bankReference, now), tx.id())) {
      return false;
    }
    outbox.append(EventType.TRANSACTION_COMPLETED, tx.id(), now);
    // Last before the commit: every payment of an account waits for this row's lock, which is held
    // until the commit, so nothing else runs while it is held.
    requireOneAccountRow(transactions.settle(tx.accountId(), tx.amount(), now), tx);
    return true;
  }

  /** PROCESSING or UNKNOWN -> FAILED, the reserved amount released; false if the lease was lost. */
  @Transactional
  public boolean fail(ClaimedTransaction tx, FailureCode code, String detail, Instant now) {
    String boundedDetail =
        detail != null && detail.length() > FAILURE_DETAIL_LENGTH
            ? detail.substring(0, FAILURE_DETAIL_LENGTH)
            : detail;
    if (!changedOne(
        transactions.fail(tx.id(), tx.state(), tx.version(), code.name(), boundedDetail, now), tx.id())) {
      return false;
    }
    outbox.append(EventType.TRANSACTION_FAILED, tx.id(), now);
    // Last before the commit, as in complete().
    requireOneAccountRow(transactions.release(tx.accountId(), tx.amount(), now), tx);
    return true;
  }

  /** PROCESSING -> PENDING until {@code nextAttemptAt}; false if the lease was lost. */
  @Transactional
  public boolean retryLater(ClaimedTransaction tx, Instant nextAttemptAt, Instant now) {
    return changedOne(transactions.retryLater(tx.id(), tx.version(), nextAttemptAt, now), tx.id());
  }

  /**
   * PROCESSING -> UNKNOWN, its first lookup at {@code nextLookupAt}; false if the lease was lost.
   * Funds stay reserved and no event is published: the transaction is not final.
   */
  public boolean becomeUnknown(
      ClaimedTransaction tx, Instant absenceTrustedFrom, String bankReference, Instant nextLookupAt, Instant now) {
    return changedOne(
        transactions.becomeUnknown(tx.id(), tx.version(), absenceTrustedFrom, bankReference, nextLookupAt, now),
        tx.id());
  }

  /**
   * UNKNOWN stays UNKNOWN until its next lookup; a {@code bankReference} (the bank acknowledged the
   * payment) means its absence is never believed again. False if the lease was lost.
   */
  public boolean lookUpLater(ClaimedTransaction tx, String bankReference, Instant nextLookupAt, Instant now) {
    return changedOne(transactions.lookUpLater(tx.id(), tx.version(), bankReference, nextLookupAt, now), tx.id());
  }

  /**
   * Why a claim found nothing to do; for metrics and logs only, so a racy read is fine. Names the
   * row's keys in the logging context on the way, since the row is read anyway.
   */
  @Transactional(readOnly = true)
  public String skipReason(UUID id, Instant now) {
    Optional<SettlementRepository.RowState> row = transactions.rowState(id);
    if (row.isEmpty()) {
      return "unknown-transaction";
    }
    TransactionLogContext.describe(row.get().idempotencyKey(), row.get().externalKey());
    TransactionState state = row.get().state();
    if (state.isFinal()) {
      return "final";
    }
    if (state == TransactionState.PROCESSING) {
      return "in-progress";
    }
    return row.get().nextAttemptAt().isAfter(now) ? "not-due" : "lost-race";
  }

  private static boolean changedOne(int rows, UUID id) {
    if (rows > 1) {
      throw new IllegalStateException(rows + " rows changed for transaction " + id);
    }
    return rows == 1;
  }

  private static void requireOneAccountRow(int rows, ClaimedTransaction tx) {
    if (rows != 1) {
      // reserved < amount would break the money invariant: roll the whole outcome back.
      throw new IllegalStateException(
          "account "
              + tx.accountId()
              + " does not hold "
              + tx.amount()
              + " reserved for transaction "
              + tx.id());
    }
  }
}

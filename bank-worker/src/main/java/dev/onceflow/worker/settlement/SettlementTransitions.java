package dev.onceflow.worker.settlement;

import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.BankCalls;
import dev.onceflow.store.ClaimedTransaction;
import dev.onceflow.store.PaymentOutcomes;
import dev.onceflow.store.TransactionTransitions;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The worker's DB transactions around the transaction store's statements. Each outcome (the
 * transaction's row, the account, the outbox event, and how the bank call ended) commits together
 * or not at all; the row changes only for the claim that still holds it, while the call's end is
 * recorded either way (it did end).
 */
@Component
class SettlementTransitions {

  /** The row as the worker needs it when a claim found nothing to do. */
  private record RowState(
      TransactionState state, Instant nextAttemptAt, String idempotencyKey, String externalKey) {}

  private final TransactionTransitions transactions;
  private final PaymentOutcomes outcomes;
  private final BankCalls calls;
  private final JdbcClient jdbc;

  SettlementTransitions(
      TransactionTransitions transactions,
      PaymentOutcomes outcomes,
      BankCalls calls,
      JdbcClient jdbc) {
    this.transactions = transactions;
    this.outcomes = outcomes;
    this.calls = calls;
    this.jdbc = jdbc;
  }

  /**
   * Claims the row if it is PENDING or UNKNOWN and due, and journals the bank call the claim
   * allows; empty if another worker has it, or it is final or not due. One statement, so it commits
   * on its own: no transaction (and entity manager) around it.
   */
  public Optional<ClaimedTransaction> claim(UUID id, Instant now, Instant leaseUntil) {
    return transactions.claim(id, now, leaseUntil);
  }

  /**
   * PROCESSING or UNKNOWN -> COMPLETED, the amount paid out of the account; false if the lease was
   * lost.
   */
  @Transactional
  public boolean complete(
      ClaimedTransaction tx, String bankReference, Instant now, BankCalls.End call) {
    calls.end(call);
    return outcomes.complete(tx, bankReference, now);
  }

  /** PROCESSING or UNKNOWN -> FAILED, the reserved amount released; false if the lease was lost. */
  @Transactional
  public boolean fail(
      ClaimedTransaction tx, FailureCode code, String detail, Instant now, BankCalls.End call) {
    calls.end(call);
    return outcomes.fail(tx, code, detail, now);
  }

  /** PROCESSING -> PENDING until {@code nextAttemptAt}; false if the lease was lost. */
  @Transactional
  public boolean retryLater(
      ClaimedTransaction tx, Instant nextAttemptAt, Instant now, BankCalls.End call) {
    calls.end(call);
    return transactions.retryLater(tx, nextAttemptAt, now);
  }

  /**
   * PROCESSING -> UNKNOWN, its first lookup at {@code nextLookupAt}; false if the lease was lost.
   * Funds stay reserved and no event is published: the transaction is not final.
   */
  @Transactional
  public boolean becomeUnknown(
      ClaimedTransaction tx,
      Instant absenceTrustedFrom,
      String bankReference,
      Instant nextLookupAt,
      Instant now,
      BankCalls.End call) {
    calls.end(call);
    return transactions.becomeUnknown(tx, absenceTrustedFrom, bankReference, nextLookupAt, now);
  }

  /**
   * UNKNOWN stays UNKNOWN until its next lookup; a {@code bankReference} (the bank acknowledged the
   * payment) means its absence is never believed again. False if the lease was lost.
   */
  @Transactional
  public boolean lookUpLater(
      ClaimedTransaction tx,
      String bankReference,
      Instant nextLookupAt,
      Instant now,
      BankCalls.End call) {
    calls.end(call);
    return transactions.lookUpLater(tx, bankReference, nextLookupAt, now);
  }

  /**
   * A call that ends without an outcome to record with it: a payment declined after earlier unknown
   * outcomes, which a lookup under the same claim now checks; that lookup journaled. Its id.
   */
  @Transactional
  public long endAndStartLookup(ClaimedTransaction tx, BankCalls.End call, Instant now) {
    calls.end(call);
    return calls.startLookup(tx.id(), tx.attempts(), tx.externalKey(), now);
  }

  /**
   * Why a claim found nothing to do; for metrics and logs only, so a racy read is fine. Names the
   * row's keys in the logging context on the way, since the row is read anyway.
   */
  public String skipReason(UUID id, Instant now) {
    Optional<RowState> row =
        jdbc.sql(
                "SELECT state, next_attempt_at, idempotency_key, external_key FROM transactions WHERE id = :id")
            .param("id", id)
            .query(
                (rows, n) ->
                    new RowState(
                        TransactionState.valueOf(rows.getString("state")),
                        rows.getTimestamp("next_attempt_at").toInstant(),
                        rows.getString("idempotency_key"),
                        rows.getString("external_key")))
            .optional();
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
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.FailureCode;
import dev.onceflow.worker.WorkerProperties;
import dev.onceflow.worker.bank.BankClient;
import dev.onceflow.worker.bank.BankProperties;
import dev.onceflow.worker.bank.LookupResult;
import dev.onceflow.worker.bank.PaymentResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Processes one TransactionRequested: claim the row, call the bank with the stored key, record the
 * outcome. Returns only once the outcome (or the decision to do nothing) is committed, so the
 * caller may then commit the Kafka offset.
 *
 * <p>Never sleeps: an unknown outcome puts the row back to PENDING with its next attempt time, and
 * the recovery sweeper enqueues it again when it is due.
 */
@Component
public class SettlementProcessor {

  private static final Logger log = LoggerFactory.getLogger(SettlementProcessor.class);

  private final SettlementTransitions transitions;
  private final BankClient bank;
  private final RetryPolicy retryPolicy;
  private final SettlementMetrics metrics;
  private final Clock clock;
  private final Duration lease;
  private final Duration reconcileDelay;
  private final Duration deadline;
  private final Duration callDeadline;

  SettlementProcessor(
      SettlementTransitions transitions,
      BankClient bank,
      RetryPolicy retryPolicy,
      SettlementMetrics metrics,
      Clock clock,
      WorkerProperties worker,
      BankProperties bankProperties) {
    if (worker.lease().compareTo(bankProperties.callDeadline()) <= 0) {
      // A lease that can end while our call is still running would let a second worker call too.
      throw new IllegalStateException(
          "onceflow.worker.lease ("
              + worker.lease()
              + ") must exceed the bank call deadline (connect + read timeout = "
              + bankProperties.callDeadline()
              + ")");
    }
    if (worker.deadline().isNegative() || worker.deadline().isZero()) {
      // A transaction would reach its deadline before its first call and never be paid.
      throw new IllegalStateException("onceflow.worker.deadline must be positive: " + worker.deadline());
    }
    this.transitions = transitions;
    this.bank = bank;
    this.retryPolicy = retryPolicy;
    this.metrics = metrics;
    this.clock = clock;
    this.lease = worker.lease();
    this.reconcileDelay = worker.reconcileDelay();
    this.deadline = worker.deadline();
    this.callDeadline = bankProperties.callDeadline();
  }

  /** Processes the request for {@code transactionId}; idempotent, whatever the row's state. */
  public void process(UUID transactionId) {
    Instant now = clock.instant();
    Optional<ClaimedTransaction> claimed = transitions.claim(transactionId, now, now.plus(lease));
    if (claimed.isEmpty()) {
      String reason = transitions.skipReason(transactionId, now);
      log.debug("Skipping transaction {}: {}", transactionId, reason);
      metrics.skip(reason);
      return;
    }
    ClaimedTransaction tx = claimed.get();
    TransactionLogContext.describe(tx.idempotencyKey(), tx.externalKey());
    // Checked before the budget: once past the deadline, only time tells when a lookup may confirm
    // that no payment exists, however many claims the lookups themselves have used.
    Instant deadlineAt = tx.firstAttemptAt().plus(deadline);
    if (!now.isBefore(deadlineAt)) {
      reconcileAfterDeadline(tx, now, deadlineAt);
      return;
    }
    if (tx.attempts() > retryPolicy.budget()) {
      // The budget is spent: no more payment calls, only the question whether the bank has one.
      reconcile(tx, true, reconcileDelay, budgetSpent());
      return;
    }
    PaymentResult result = bank.pay(tx.order());
    if (result instanceof PaymentResult.Settled settled) {
      complete(tx, settled.paymentId());
    } else if (result instanceof PaymentResult.Declined declined) {
      declined(tx, declined);
    } else if (result instanceof PaymentResult.Unknown unknown) {
      unknownOutcome(tx, unknown);
    }
  }

  /**
   * No payment call after the deadline. Every call was started before it and has ended by {@code
   * deadlineAt + callDeadline}; a lookup {@code reconcileDelay} after that may confirm that the bank
   * holds no payment.
   */
  private void reconcileAfterDeadline(ClaimedTransaction tx, Instant now, Instant deadlineAt) {
    Instant confirmableAt = deadlineAt.plus(callDeadline).plus(reconcileDelay);
    boolean confirming = !now.isBefore(confirmableAt);
    log.debug("Transaction {} is past its deadline ({}); reconciling", tx.id(), deadlineAt);
    reconcile(
        tx,
        confirming,
        confirming ? Duration.ZERO : Duration.between(now, confirmableAt),
        "No definitive answer within the deadline of "
            + deadline
            + " after the first attempt, and the bank holds no payment for the transaction.");
  }

  /**
   * A decline is definitive for the call that got it. If an earlier call of the transaction ended
   * with an unknown outcome, that one may have been executed: ask the bank before failing.
   */
  private void declined(ClaimedTransaction tx, PaymentResult.Declined declined) {
    if (tx.attempts() == 1) {
      fail(tx, FailureCode.DECLINED, declined.detail());
      return;
    }
    LookupResult result = bank.lookup(tx.externalKey());
    metrics.reconciliation(result.outcomeClass());
    if (result instanceof LookupResult.Found found && found.isSettled()) {
      complete(tx, found.paymentId());
    } else if (result instanceof LookupResult.Unreachable) {
      metrics.retry("decline-unconfirmed");
      retryLater(tx, backoff(tx, null));
    } else {
      fail(tx, FailureCode.DECLINED, declined.detail());
    }
  }

  private void unknownOutcome(ClaimedTransaction tx, PaymentResult.Unknown unknown) {
    log.debug(
        "Unknown outcome for transaction {} (attempt {}): {} {}",
        tx.id(),
        tx.attempts(),
        unknown.cause(),
        unknown.detail());
    if (retryPolicy.isExhausted(tx.attempts())) {
      reconcile(tx, false, reconcileDelay, budgetSpent());
      return;
    }
    metrics.retry(unknown.cause());
    retryLater(tx, backoff(tx, unknown.retryAfter()));
  }

  /**
   * Asks the bank whether it holds the payment. A transaction becomes FAILED only when the bank
   * says it holds none, and only on a lookup ({@code confirming}) at least {@code reconcileDelay}
   * after the last call ended, which by then has either landed or never will.
   *
   * @param untilConfirmable how long after now a lookup becomes confirming
   * @param failureDetail why the transaction failed, if it does
   */
  private void reconcile(
      ClaimedTransaction tx, boolean confirming, Duration untilConfirmable, String failureDetail) {
    LookupResult result = bank.lookup(tx.externalKey());
    metrics.reconciliation(result.outcomeClass());
    if (result instanceof LookupResult.Found found && found.isSettled()) {
      complete(tx, found.paymentId());
    } else if (result instanceof LookupResult.Found found && found.isDeclined()) {
      fail(tx, FailureCode.DECLINED, found.declineReason());
    } else if (result instanceof LookupResult.NotFound && confirming) {
      fail(tx, FailureCode.RETRIES_EXHAUSTED, failureDetail);
    } else if (result instanceof LookupResult.NotFound) {
      log.info("Bank holds no payment for transaction {} yet; confirming in {}", tx.id(), untilConfirmable);
      retryLater(tx, max(backoff(tx, null), untilConfirmable));
    } else {
      log.warn(
          "Transaction {} may make no more payment calls and the bank cannot say whether it holds the payment ({})",
          tx.id(),
          result);
      metrics.needsAttention();
      retryLater(tx, backoff(tx, null));
    }
  }

  private void complete(ClaimedTransaction tx, String bankReference) {
    if (transitions.complete(tx, bankReference, clock.instant())) {
      log.info("Transaction {} completed: the bank settled it as payment {}", tx.id(), bankReference);
      metrics.outcome("completed");
    } else {
      leaseLost(tx, "COMPLETED");
    }
  }

  private void fail(ClaimedTransaction tx, FailureCode code, String detail) {
    if (transitions.fail(tx, code, detail, clock.instant())) {
      log.info("Transaction {} failed ({}): {}", tx.id(), code, detail);
      metrics.outcome("failed");
    } else {
      leaseLost(tx, "FAILED");
    }
  }

  private void retryLater(ClaimedTransaction tx, Duration delay) {
    Instant now = clock.instant();
    if (transitions.retryLater(tx, now.plus(delay), now)) {
      metrics.outcome("retry-scheduled");
    } else {
      leaseLost(tx, "PENDING");
    }
  }

  private Duration backoff(ClaimedTransaction tx, Duration retryAfter) {
    return retryPolicy.backoff(tx.attempts(), retryAfter, ThreadLocalRandom.current());
  }

  private void leaseLost(ClaimedTransaction tx, String target) {
    // Someone took the row over after our lease ran out; whoever holds it now calls the bank with
    // the same key and records the outcome, so there is nothing left to do here.
    log.warn(
        "Lease on transaction {} (version {}) was lost before it could become {}",
        tx.id(),
        tx.version(),
        target);
    metrics.outcome("lease-lost");
  }

  private String budgetSpent() {
    return "No definitive answer after "
        + retryPolicy.budget()
        + " attempts, and the bank holds no payment for the transaction.";
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}

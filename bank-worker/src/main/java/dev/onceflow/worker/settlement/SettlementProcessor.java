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
    this.transitions = transitions;
    this.bank = bank;
    this.retryPolicy = retryPolicy;
    this.metrics = metrics;
    this.clock = clock;
    this.lease = worker.lease();
    this.reconcileDelay = worker.reconcileDelay();
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
    if (tx.attempts() > retryPolicy.budget()) {
      // The budget is spent: no more payment calls, only the question whether the bank has one.
      reconcile(tx, true);
      return;
    }
    PaymentResult result = bank.pay(tx.order());
    if (result instanceof PaymentResult.Settled settled) {
      complete(tx, settled.paymentId());
    } else if (result instanceof PaymentResult.Declined declined) {
      fail(tx, FailureCode.DECLINED, declined.detail());
    } else if (result instanceof PaymentResult.Unknown unknown) {
      unknownOutcome(tx, unknown);
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
      reconcile(tx, false);
      return;
    }
    metrics.retry(unknown.cause());
    retryLater(tx, backoff(tx, unknown.retryAfter()));
  }

  /**
   * Asks the bank whether it holds the payment. A transaction becomes FAILED only when the bank
   * says it holds none, and only on a second lookup ({@code confirming}) at least {@code
   * reconcileDelay} after the last call, which by then has either landed or never will.
   */
  private void reconcile(ClaimedTransaction tx, boolean confirming) {
    LookupResult result = bank.lookup(tx.externalKey());
    metrics.reconciliation(result.outcomeClass());
    if (result instanceof LookupResult.Found found && found.isSettled()) {
      complete(tx, found.paymentId());
    } else if (result instanceof LookupResult.Found found && found.isDeclined()) {
      fail(tx, FailureCode.DECLINED, found.declineReason());
    } else if (result instanceof LookupResult.NotFound && confirming) {
      fail(
          tx,
          FailureCode.RETRIES_EXHAUSTED,
          "No definitive answer after "
              + retryPolicy.budget()
              + " attempts, and the bank holds no payment for the transaction.");
    } else if (result instanceof LookupResult.NotFound) {
      log.info("Bank holds no payment for transaction {} yet; confirming in {}", tx.id(), reconcileDelay);
      retryLater(tx, max(backoff(tx, null), reconcileDelay));
    } else {
      log.warn(
          "Transaction {} spent its retry budget and the bank cannot say whether it holds the payment ({})",
          tx.id(),
          result);
      metrics.needsAttention();
      retryLater(tx, backoff(tx, null));
    }
  }

  private void complete(ClaimedTransaction tx, String bankReference) {
    if (transitions.complete(tx, bankReference, clock.instant())) {
      metrics.outcome("completed");
    } else {
      leaseLost(tx, "COMPLETED");
    }
  }

  private void fail(ClaimedTransaction tx, FailureCode code, String detail) {
    if (transitions.fail(tx, code, detail, clock.instant())) {
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

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.BankCalls;
import dev.onceflow.store.ClaimedTransaction;
import dev.onceflow.worker.WorkerProperties;
import dev.onceflow.worker.bank.BankClient;
import dev.onceflow.worker.bank.BankGate;
import dev.onceflow.worker.bank.BankProperties;
import dev.onceflow.worker.bank.LookupResult;
import dev.onceflow.worker.bank.PaymentOrder;
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
 * Processes one TransactionRequested: claim the row, call the bank with the stored key (or, for an
 * UNKNOWN one, look its payment up), record the outcome. Returns only once the outcome (or the
 * decision to do nothing) is committed, so the caller may then commit the Kafka offset. Safe to run
 * for many transactions at once, and for one transaction from several workers: the claim lets one
 * through.
 *
 * <p>The timing rests on one number, the call deadline D ({@code onceflow.bank.call-deadline}):
 * every call is aborted D after the claim that allowed it, the claim's lease outlasts D (so nobody
 * else can act on the row while a call may be open), and once no call can still be open, the bank's
 * "no payment for this key" is believed after the bank's own window for a held request to land
 * ({@code onceflow.worker.reconcile-delay}).
 *
 * <p>Never sleeps: an unknown outcome puts the row back to PENDING with its next attempt time (or
 * UNKNOWN with its next lookup), and the recovery sweeper enqueues it again when it is due.
 */
@Component
public class SettlementProcessor {

  private static final Logger log = LoggerFactory.getLogger(SettlementProcessor.class);

  private final SettlementTransitions transitions;
  private final BankClient bank;
  private final BankGate gate;
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
      BankGate gate,
      RetryPolicy retryPolicy,
      SettlementMetrics metrics,
      Clock clock,
      WorkerProperties worker,
      BankProperties bankProperties) {
    worker.requireLeaseBeyond(bankProperties.callDeadline());
    this.transitions = transitions;
    this.bank = bank;
    this.gate = gate;
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
    // Waited for before the claim, so that the lease does not run while the bank is held off.
    if (!gate.acquire()) {
      metrics.skip("stopping");
      return;
    }
    boolean called = false;
    try {
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
      if (tx.state() == TransactionState.UNKNOWN) {
        called = true;
        lookUp(tx);
        return;
      }
      Instant deadlineAt = tx.firstAttemptAt().plus(deadline);
      if (!now.isBefore(deadlineAt)) {
        becomeUnknown(
            tx,
            null,
            "deadline",
            BankCalls.End.notSent(tx.callId(), "the transaction's deadline had passed", now));
        return;
      }
      if (tx.attempts() > retryPolicy.budget()) {
        becomeUnknown(
            tx,
            null,
            "budget",
            BankCalls.End.notSent(tx.callId(), "the retry budget was spent", now));
        return;
      }
      called = true;
      pay(tx);
    } finally {
      if (!called) {
        gate.release();
      }
    }
  }

  private void pay(ClaimedTransaction tx) {
    long started = System.nanoTime();
    PaymentResult result = bank.pay(PaymentOrder.of(tx), abortAt(tx));
    Duration latency = Duration.ofNanos(System.nanoTime() - started);
    gate.record(result, latency);
    BankCalls.End call = ended(tx.callId(), result, latency);
    if (result instanceof PaymentResult.Settled settled) {
      complete(tx, settled.paymentId(), call);
    } else if (result instanceof PaymentResult.Declined declined) {
      declined(tx, declined, call);
    } else if (result instanceof PaymentResult.Accepted accepted) {
      // The bank holds the payment and will decide: only lookups from now on.
      becomeUnknown(tx, accepted.paymentId(), "pending", call);
    } else if (result instanceof PaymentResult.Unknown unknown) {
      unknownOutcome(tx, unknown, call);
    }
  }

  /** Every call a claim allows ends by then, however the bank behaves. */
  private Instant abortAt(ClaimedTransaction tx) {
    return tx.claimedAt().plus(callDeadline);
  }

  /**
   * A decline is definitive for the call that got it. If an earlier call of the transaction ended
   * with an unknown outcome, that one may have been executed: ask the bank before failing.
   */
  private void declined(
      ClaimedTransaction tx, PaymentResult.Declined declined, BankCalls.End payment) {
    if (tx.attempts() == 1) {
      fail(tx, FailureCode.DECLINED, declined.detail(), payment);
      return;
    }
    long lookupId = transitions.endAndStartLookup(tx, payment, clock.instant());
    long started = System.nanoTime();
    LookupResult result = bank.lookup(tx.externalKey(), abortAt(tx));
    BankCalls.End call = ended(lookupId, result, Duration.ofNanos(System.nanoTime() - started));
    metrics.reconciliation(result.outcomeClass());
    if (result instanceof LookupResult.Found found && found.isSettled()) {
      complete(tx, found.paymentId(), call);
    } else if (result instanceof LookupResult.Found found && found.isDeclined()) {
      fail(tx, FailureCode.DECLINED, declined.detail(), call);
    } else if (result instanceof LookupResult.NotFound) {
      // An earlier call may still land (it was aborted or held moments ago): only lookups from
      // now on, and "no payment" is believed once that call can no longer land.
      becomeUnknown(tx, null, "decline-unconfirmed", call);
    } else {
      metrics.retry("decline-unconfirmed");
      retryLater(tx, backoff(tx.attempts(), null), call);
    }
  }

  private void unknownOutcome(
      ClaimedTransaction tx, PaymentResult.Unknown unknown, BankCalls.End call) {
    log.debug(
        "Unknown outcome for transaction {} (attempt {}): {} {}",
        tx.id(),
        tx.attempts(),
        unknown.cause(),
        unknown.detail());
    if (retryPolicy.isExhausted(tx.attempts())) {
      becomeUnknown(tx, null, "budget", call);
      return;
    }
    metrics.retry(unknown.cause());
    retryLater(tx, backoff(tx.attempts(), unknown.retryAfter()), call);
  }

  /**
   * No more payment calls. This claim's call, if any, has ended (answered or aborted), and every
   * earlier one ended before this claim; so from {@code now + reconcileDelay} on, a bank that says
   * it holds no payment will not receive one any more.
   *
   * @param bankReference the payment the bank acknowledged ("pending"): then its absence is never
   *     believed, only settled or rejected ends the transaction
   */
  private void becomeUnknown(
      ClaimedTransaction tx, String bankReference, String why, BankCalls.End call) {
    Instant now = clock.instant();
    Instant absenceTrustedFrom = bankReference == null ? now.plus(reconcileDelay) : null;
    Instant firstLookup = now.plus(backoff(1, null));
    if (transitions.becomeUnknown(tx, absenceTrustedFrom, bankReference, firstLookup, now, call)) {
      log.info("Transaction {} is UNKNOWN ({}): no more payment calls, only lookups", tx.id(), why);
      metrics.outcome("unknown");
      metrics.unknown(why);
    } else {
      leaseLost(tx, "UNKNOWN");
    }
  }

  /**
   * An UNKNOWN transaction's lookup: a definitive answer ends it, anything else asks again later.
   */
  private void lookUp(ClaimedTransaction tx) {
    // "No payment" describes the bank when it read the question, which may be long before the
    // answer arrives: it is believed only if the question was asked once absence is trusted.
    Instant asked = clock.instant();
    long started = System.nanoTime();
    LookupResult result = bank.lookup(tx.externalKey(), abortAt(tx));
    Duration latency = Duration.ofNanos(System.nanoTime() - started);
    gate.record(result, latency);
    BankCalls.End call = ended(tx.callId(), result, latency);
    metrics.reconciliation(result.outcomeClass());
    Instant now = clock.instant();
    if (result instanceof LookupResult.Found found && found.isSettled()) {
      complete(tx, found.paymentId(), call);
    } else if (result instanceof LookupResult.Found found && found.isDeclined()) {
      fail(tx, FailureCode.DECLINED, found.declineReason(), call);
    } else if (result instanceof LookupResult.NotFound
        && tx.absenceTrustedFrom() != null
        && !asked.isBefore(tx.absenceTrustedFrom())) {
      fail(
          tx,
          FailureCode.RETRIES_EXHAUSTED,
          "No definitive answer from the bank within the retry budget or deadline, and the bank holds no payment for the transaction.",
          call);
    } else {
      String acknowledged =
          result instanceof LookupResult.Found found && tx.bankReference() == null
              ? found.paymentId()
              : null;
      if (result instanceof LookupResult.Unreachable) {
        metrics.needsAttention();
      }
      Instant next = now.plus(backoff(tx.lookups(), null));
      if (result instanceof LookupResult.NotFound
          && tx.absenceTrustedFrom() != null
          && next.isBefore(tx.absenceTrustedFrom())) {
        // No lookup before it can be believed: it would only be asked again.
        next = tx.absenceTrustedFrom();
      }
      if (!transitions.lookUpLater(tx, acknowledged, next, now, call)) {
        leaseLost(tx, "UNKNOWN");
      }
    }
  }

  private void complete(ClaimedTransaction tx, String bankReference, BankCalls.End call) {
    if (transitions.complete(tx, bankReference, clock.instant(), call)) {
      log.info(
          "Transaction {} completed: the bank settled it as payment {}", tx.id(), bankReference);
      metrics.outcome("completed");
    } else {
      leaseLost(tx, "COMPLETED");
    }
  }

  private void fail(ClaimedTransaction tx, FailureCode code, String detail, BankCalls.End call) {
    if (transitions.fail(tx, code, detail, clock.instant(), call)) {
      log.info("Transaction {} failed ({}): {}", tx.id(), code, detail);
      metrics.outcome("failed");
    } else {
      leaseLost(tx, "FAILED");
    }
  }

  private void retryLater(ClaimedTransaction tx, Duration delay, BankCalls.End call) {
    Instant now = clock.instant();
    if (transitions.retryLater(tx, now.plus(delay), now, call)) {
      metrics.outcome("retry-scheduled");
    } else {
      leaseLost(tx, "PENDING");
    }
  }

  /** A payment call's end, as the journal records it. */
  private BankCalls.End ended(long callId, PaymentResult result, Duration latency) {
    String bankReference =
        result instanceof PaymentResult.Settled settled
            ? settled.paymentId()
            : result instanceof PaymentResult.Accepted accepted ? accepted.paymentId() : null;
    String error =
        result instanceof PaymentResult.Declined declined
            ? declined.detail()
            : result instanceof PaymentResult.Unknown unknown
                ? unknown.cause() + ": " + unknown.detail()
                : null;
    return new BankCalls.End(
        callId,
        result.outcomeClass(),
        result.httpStatus(),
        latency,
        bankReference,
        error,
        clock.instant());
  }

  /** A lookup's end, as the journal records it. */
  private BankCalls.End ended(long callId, LookupResult result, Duration latency) {
    String bankReference = result instanceof LookupResult.Found found ? found.paymentId() : null;
    String error =
        result instanceof LookupResult.Unreachable unreachable
            ? unreachable.detail()
            : result instanceof LookupResult.Found found && found.isDeclined()
                ? found.declineReason()
                : null;
    return new BankCalls.End(
        callId,
        result.outcomeClass(),
        result.httpStatus(),
        latency,
        bankReference,
        error,
        clock.instant());
  }

  private Duration backoff(int attempt, Duration retryAfter) {
    return retryPolicy.backoff(attempt, retryAfter, ThreadLocalRandom.current());
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
}

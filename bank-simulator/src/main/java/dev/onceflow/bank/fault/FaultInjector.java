package dev.onceflow.bank.fault;

import dev.onceflow.bank.fault.FaultPlan.Decline;
import dev.onceflow.bank.fault.FaultPlan.Fault;
import dev.onceflow.bank.fault.FaultPlan.Pending;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Draws the faults of each call from the settings in force. The random source is a bean, so a test
 * can make every draw deterministic.
 */
@Component
public class FaultInjector {

  static final Decline INSUFFICIENT_FUNDS =
      new Decline(402, "Insufficient funds on the debtor account.");
  static final Decline ACCOUNT_CLOSED = new Decline(422, "The creditor account is closed.");
  static final Decline REJECTED_AFTER_ACCEPTANCE =
      new Decline(422, "Rejected by the bank after acceptance.");

  private final FaultSettings settings;
  private final RandomGenerator random;

  public FaultInjector(FaultSettings settings, @Qualifier("faultRandom") RandomGenerator random) {
    this.settings = settings;
    this.random = random;
  }

  /** The plan for one payment call. */
  public FaultPlan planPayment() {
    Faults faults = settings.current();
    Plan plan =
        new Plan(
            latency(faults.latencyMs()),
            Duration.ofMillis(faults.timeoutHoldMs()),
            Duration.ofSeconds(faults.retryAfterSeconds()),
            Duration.ofMillis(faults.trickleByteMs()));
    // One draw for all seven, so each rate is the share of calls that get that fault.
    double draw = random.nextDouble();
    double upTo = faults.errorRate();
    if (draw < upTo) {
      return plan.of(Fault.ERROR);
    }
    upTo += faults.throttleRate();
    if (draw < upTo) {
      return plan.of(Fault.THROTTLE);
    }
    upTo += faults.timeoutRate();
    if (draw < upTo) {
      Fault timeout =
          switch (random.nextInt(3)) {
            case 0 -> Fault.EXECUTE_THEN_HOLD;
            case 1 -> Fault.HOLD_THEN_EXECUTE;
            default -> Fault.HOLD_ONLY;
          };
      return plan.of(timeout);
    }
    upTo += faults.commitThenFailRate();
    if (draw < upTo) {
      return plan.of(random.nextBoolean() ? Fault.COMMIT_THEN_ERROR : Fault.COMMIT_THEN_DROP);
    }
    upTo += faults.declineRate();
    if (draw < upTo) {
      return plan.declined(random.nextBoolean() ? INSUFFICIENT_FUNDS : ACCOUNT_CLOSED);
    }
    upTo += faults.trickleRate();
    if (draw < upTo) {
      return plan.of(Fault.TRICKLE);
    }
    upTo += faults.pendingRate();
    if (draw < upTo) {
      // Drawn now, with the acceptance, so that a seeded run resolves the same way every time.
      double rejectRate = faults.pendingRejectRate();
      boolean rejected = rejectRate > 0 && random.nextDouble() < rejectRate;
      return plan.pending(
          new Pending(
              Duration.ofMillis(faults.pendingSettleMs()),
              rejected ? REJECTED_AFTER_ACCEPTANCE : null));
    }
    return plan.of(Fault.NONE);
  }

  /** Whether this lookup by key fails with a 500 (never with a wrong answer). */
  public boolean failLookup() {
    double rate = settings.current().lookupErrorRate();
    return rate > 0 && random.nextDouble() < rate;
  }

  private Duration latency(Faults.Latency latency) {
    if (latency.max() == 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(latency.min() + random.nextLong(latency.max() - latency.min() + 1));
  }

  /** What every plan of one call shares, whatever fault is drawn. */
  private record Plan(Duration latency, Duration hold, Duration retryAfter, Duration trickleByte) {

    FaultPlan of(Fault fault) {
      return new FaultPlan(latency, fault, null, null, hold, retryAfter, trickleByte);
    }

    FaultPlan declined(Decline decline) {
      return new FaultPlan(latency, Fault.NONE, decline, null, hold, retryAfter, trickleByte);
    }

    FaultPlan pending(Pending pending) {
      return new FaultPlan(latency, Fault.NONE, null, pending, hold, retryAfter, trickleByte);
    }
  }
}

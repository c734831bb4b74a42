package dev.onceflow.bank.fault;

import dev.onceflow.bank.fault.FaultPlan.Decline;
import dev.onceflow.bank.fault.FaultPlan.Fault;
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
  static final Decline ACCOUNT_CLOSED =
      new Decline(422, "The creditor account is closed.");

  private final FaultSettings settings;
  private final RandomGenerator random;

  public FaultInjector(FaultSettings settings, @Qualifier("faultRandom") RandomGenerator random) {
    this.settings = settings;
    this.random = random;
  }

  /** The plan for one payment call. */
  public FaultPlan planPayment() {
    Faults faults = settings.current();
    Duration latency = latency(faults.latencyMs());
    Duration hold = Duration.ofMillis(faults.timeoutHoldMs());
    Duration retryAfter = Duration.ofSeconds(faults.retryAfterSeconds());
    // One draw for all five, so each rate is the share of calls that get that fault.
    double draw = random.nextDouble();
    double upTo = faults.errorRate();
    if (draw < upTo) {
      return new FaultPlan(latency, Fault.ERROR, null, hold, retryAfter);
    }
    upTo += faults.throttleRate();
    if (draw < upTo) {
      return new FaultPlan(latency, Fault.THROTTLE, null, hold, retryAfter);
    }
    upTo += faults.timeoutRate();
    if (draw < upTo) {
      Fault timeout =
          switch (random.nextInt(3)) {
            case 0 -> Fault.EXECUTE_THEN_HOLD;
            case 1 -> Fault.HOLD_THEN_EXECUTE;
            default -> Fault.HOLD_ONLY;
          };
      return new FaultPlan(latency, timeout, null, hold, retryAfter);
    }
    upTo += faults.commitThenFailRate();
    if (draw < upTo) {
      Fault commitThenFail = random.nextBoolean() ? Fault.COMMIT_THEN_ERROR : Fault.COMMIT_THEN_DROP;
      return new FaultPlan(latency, commitThenFail, null, hold, retryAfter);
    }
    upTo += faults.declineRate();
    if (draw < upTo) {
      Decline decline = random.nextBoolean() ? INSUFFICIENT_FUNDS : ACCOUNT_CLOSED;
      return new FaultPlan(latency, Fault.NONE, decline, hold, retryAfter);
    }
    return new FaultPlan(latency, Fault.NONE, null, hold, retryAfter);
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
}

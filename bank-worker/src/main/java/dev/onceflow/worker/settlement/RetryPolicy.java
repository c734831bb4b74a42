package dev.onceflow.worker.settlement;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When to try a transaction again after an unknown outcome, and when to stop: exponential backoff
 * from {@code base}, full jitter, capped at {@code cap}, within a budget of attempts.
 *
 * <p>Full jitter (a uniform delay between zero and the exponential ceiling) spreads the retries of
 * many transactions that failed together, so that a recovering bank is not hit by them in waves.
 *
 * @param budget how many bank calls a transaction may make before the worker reconciles
 */
public record RetryPolicy(Duration base, Duration cap, int budget) {

  public RetryPolicy {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(cap, "cap");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base must be positive: " + base);
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("cap " + cap + " is below base " + base);
    }
    if (budget < 1) {
      throw new IllegalArgumentException("budget must be at least 1: " + budget);
    }
  }

  /** Whether {@code attempts} calls spend the budget. */
  public boolean isExhausted(int attempts) {
    return attempts >= budget;
  }

  /**
   * The upper bound of the delay after attempt number {@code attempt} (1 for the first call):
   * {@code min(cap, base * 2^(attempt - 1))}.
   */
  public Duration ceiling(int attempt) {
    Duration ceiling = base;
    // Doubling stops at the cap, so large attempt numbers cannot overflow.
    for (int i = 1; i < attempt && ceiling.compareTo(cap) < 0; i++) {
      ceiling = ceiling.multipliedBy(2);
    }
    return ceiling.compareTo(cap) > 0 ? cap : ceiling;
  }

  /**
   * The delay before the next attempt after attempt number {@code attempt}: uniform in {@code [0,
   * ceiling(attempt)]}, but never shorter than the bank's Retry-After. Retry-After is honoured even
   * above the cap: calling earlier would only be refused again and spend the budget.
   *
   * @param retryAfter what the bank asked for, or null
   */
  public Duration backoff(int attempt, Duration retryAfter, RandomGenerator random) {
    long ceilingMillis = ceiling(attempt).toMillis();
    Duration jittered = Duration.ofMillis(random.nextLong(ceilingMillis + 1));
    if (retryAfter != null && retryAfter.compareTo(jittered) > 0) {
      return retryAfter;
    }
    return jittered;
  }
}

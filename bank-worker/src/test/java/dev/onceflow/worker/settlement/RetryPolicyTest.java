package dev.onceflow.worker.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy =
      new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30), 8);

  @Test
  void ceilingDoublesWithEachAttempt() {
    assertThat(policy.ceiling(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.ceiling(2)).isEqualTo(Duration.ofMillis(400));
    assertThat(policy.ceiling(3)).isEqualTo(Duration.ofMillis(800));
    assertThat(policy.ceiling(7)).isEqualTo(Duration.ofMillis(12_800));
  }

  @Test
  void ceilingStopsAtTheCapHoweverManyAttempts() {
    assertThat(policy.ceiling(8)).isEqualTo(Duration.ofSeconds(25).plusMillis(600));
    assertThat(policy.ceiling(9)).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.ceiling(1_000)).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.backoff(1_000, null, always(Long.MAX_VALUE)))
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fullJitterSpreadsDelaysBetweenZeroAndTheCeiling() {
    Random seeded = new Random(42);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      delays.add(policy.backoff(3, null, seeded));
    }

    assertThat(delays)
        .allSatisfy(delay -> assertThat(delay).isBetween(Duration.ZERO, Duration.ofMillis(800)));
    assertThat(delays.stream().min(Duration::compareTo))
        .hasValueSatisfying(min -> assertThat(min).isLessThan(Duration.ofMillis(50)));
    assertThat(delays.stream().max(Duration::compareTo))
        .hasValueSatisfying(max -> assertThat(max).isGreaterThan(Duration.ofMillis(750)));
  }

  @Test
  void jitterBoundsIncludeZeroAndTheCeiling() {
    assertThat(policy.backoff(2, null, always(0))).isEqualTo(Duration.ZERO);
    assertThat(policy.backoff(2, null, always(Long.MAX_VALUE))).isEqualTo(Duration.ofMillis(400));
  }

  @Test
  void budgetIsSpentAfterTheConfiguredNumberOfAttempts() {
    assertThat(policy.isExhausted(1)).isFalse();
    assertThat(policy.isExhausted(7)).isFalse();
    assertThat(policy.isExhausted(8)).isTrue();
    assertThat(policy.isExhausted(9)).isTrue();
  }

  @Test
  void retryAfterIsAFloorEvenAboveTheCap() {
    assertThat(policy.backoff(1, Duration.ofSeconds(5), always(Long.MAX_VALUE)))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(policy.backoff(20, Duration.ofSeconds(90), always(Long.MAX_VALUE)))
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void jitterWinsWhenLongerThanRetryAfter() {
    assertThat(policy.backoff(6, Duration.ofSeconds(1), always(Long.MAX_VALUE)))
        .isEqualTo(Duration.ofMillis(6_400));
  }

  @Test
  void refusesPoliciesThatCannotRetry() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Randomness that always draws {@code value}, clamped into the requested bound. */
  private static RandomGenerator always(long value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return Math.min(value, bound - 1);
      }
    };
  }
}

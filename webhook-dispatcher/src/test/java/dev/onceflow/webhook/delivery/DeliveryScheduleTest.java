package dev.onceflow.webhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeliveryScheduleTest {

  private final DeliverySchedule schedule =
      new DeliverySchedule(Duration.ofSeconds(5), Duration.ofMinutes(30));
  private final Instant now = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void theCeilingDoublesFromTheBaseUpToTheCap() {
    assertThat(schedule.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(schedule.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(schedule.ceiling(5)).isEqualTo(Duration.ofSeconds(80));
    assertThat(schedule.ceiling(10)).isEqualTo(Duration.ofMinutes(30));
    assertThat(schedule.ceiling(1_000)).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void theNextAttemptIsJitteredBelowTheCeiling() {
    SplittableRandom random = new SplittableRandom(7);
    long distinct =
        java.util.stream.IntStream.range(0, 200)
            .mapToObj(
                i -> schedule.next(4, now, now.plus(Duration.ofDays(1)), random).orElseThrow())
            .peek(next -> assertThat(next).isBetween(now, now.plusSeconds(40)))
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(100);
  }

  @Test
  void givesUpWhenTheNextAttemptWouldFallAfterTheRetryPeriod() {
    SplittableRandom random = new SplittableRandom(7);
    assertThat(schedule.next(20, now, now.minusSeconds(1), random)).isEmpty();
    assertThat(schedule.next(1, now, now.plusSeconds(5), random)).isPresent();
  }
}

package dev.onceflow.webhook.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed attempt is tried again: exponential backoff from {@code base}, capped at {@code
 * cap}, with full jitter (uniform between zero and the ceiling) so that the deliveries to an
 * endpoint that was down do not come back in one wave; none after {@code giveUpAt}.
 */
record DeliverySchedule(Duration base, Duration cap) {

  /** The ceiling of the wait after attempt number {@code attempt} (1 for the first). */
  Duration ceiling(int attempt) {
    Duration ceiling = base;
    for (int i = 1; i < attempt && ceiling.compareTo(cap) < 0; i++) {
      ceiling = ceiling.multipliedBy(2);
    }
    return ceiling.compareTo(cap) > 0 ? cap : ceiling;
  }

  /** When to try after attempt {@code attempt} failed at {@code now}, or empty to give up. */
  Optional<Instant> next(int attempt, Instant now, Instant giveUpAt, RandomGenerator random) {
    Instant next = now.plusMillis(random.nextLong(ceiling(attempt).toMillis() + 1));
    return next.isAfter(giveUpAt) ? Optional.empty() : Optional.of(next);
  }
}

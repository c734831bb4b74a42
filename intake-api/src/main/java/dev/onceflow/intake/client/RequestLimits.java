package dev.onceflow.intake.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.onceflow.intake.LimitProperties;
import dev.onceflow.intake.refusal.Refusal;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Token buckets (Bucket4j), one per client for its requests and one per remote address for its
 * failed authentications, in this instance's memory. A client past its rate gets 429 with
 * Retry-After at once, instead of a share of the database that other clients then miss; an address
 * sending unknown keys gets 429 before its next key costs a lookup.
 */
@Component
class RequestLimits {

  /** Buckets of clients and addresses not seen for this long are dropped (they refill anyway). */
  private static final Duration IDLE = Duration.ofMinutes(10);

  private static final int MAX_TRACKED = 100_000;

  private final LimitProperties limits;
  private final Cache<UUID, Bucket> clients =
      Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterAccess(IDLE).build();
  private final Cache<String, Bucket> failures =
      Caffeine.newBuilder().maximumSize(MAX_TRACKED).expireAfterAccess(IDLE).build();

  RequestLimits(LimitProperties limits) {
    this.limits = limits;
  }

  /** Takes one request from the client's bucket, or refuses it with 429. */
  void admit(UUID clientId) {
    ConsumptionProbe probe =
        clients
            .get(clientId, id -> bucket(limits.burst(), limits.requestsPerSecond()))
            .tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      throw Refusal.tooManyRequests(
          "rate-limited",
          "More than "
              + limits.requestsPerSecond()
              + " requests per second (bursts of "
              + limits.burst()
              + "): retry after the time in Retry-After. Retrying a payment with its Idempotency-Key never pays twice.",
          seconds(probe.getNanosToWaitForRefill()));
    }
  }

  /** Refuses an address that has spent its budget of failed authentications, before a lookup. */
  void requireAuthenticationBudget(String remoteAddress) {
    Bucket bucket = failures.getIfPresent(remoteAddress);
    if (bucket != null && bucket.getAvailableTokens() < 1) {
      throw Refusal.tooManyRequests(
          "too-many-failed-authentications",
          "Too many requests with an invalid API key from this address.",
          seconds(bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill()));
    }
  }

  /** Counts a failed authentication against the address. */
  void failedAuthentication(String remoteAddress) {
    int rate = limits.failedAuthenticationsPerSecond();
    failures.get(remoteAddress, address -> bucket(2 * rate, rate)).tryConsume(1);
  }

  private static Bucket bucket(int capacity, int perSecond) {
    return Bucket.builder()
        .addLimit(
            Bandwidth.builder()
                .capacity(capacity)
                .refillGreedy(perSecond, Duration.ofSeconds(1))
                .build())
        .build();
  }

  private static long seconds(long nanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanos + TimeUnit.SECONDS.toNanos(1) - 1));
  }
}

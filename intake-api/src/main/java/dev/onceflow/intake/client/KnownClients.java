package dev.onceflow.intake.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.onceflow.intake.client.ApiKeyStore.ActiveKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Which client an API key hash belongs to, remembered briefly: every request authenticates, and a
 * SELECT per request was a visible share of intake's CPU in the benchmark's profile. Answers are
 * remembered for {@link #REMEMBER_FOR}, which bounds how long a revoked key keeps working on any
 * instance without a channel between instances: one indexed SELECT per key and instance every half
 * second is the price. Unknown keys are remembered as unknown for as long, so a forged key sent
 * again and again costs one query per half second, not one per request; the cache is bounded
 * (Caffeine evicts by frequency, so a flood of distinct forged keys does not push out real ones). A
 * rotated key's {@code expires_at} is honoured to the instant.
 */
@Component
class KnownClients {

  static final Duration REMEMBER_FOR = Duration.ofMillis(500);

  /** Far more than the clients (and their keys) of one deployment. */
  static final int MAX_REMEMBERED = 10_000;

  private final ApiKeyStore keys;
  private final Clock clock;
  private final Cache<String, Optional<ActiveKey>> known;

  @Autowired
  KnownClients(ApiKeyStore keys, Clock clock) {
    this(keys, clock, Ticker.systemTicker());
  }

  KnownClients(ApiKeyStore keys, Clock clock, Ticker ticker) {
    this.keys = keys;
    this.clock = clock;
    this.known =
        Caffeine.newBuilder()
            .maximumSize(MAX_REMEMBERED)
            .expireAfterWrite(REMEMBER_FOR)
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
  }

  Optional<UUID> clientOf(String apiKeyHash) {
    return clientOf(apiKeyHash, () -> {});
  }

  /**
   * As {@link #clientOf(String)}; {@code beforeLookup} runs only when the answer is not remembered,
   * just before the database is asked (and may refuse by throwing).
   */
  Optional<UUID> clientOf(String apiKeyHash, Runnable beforeLookup) {
    Instant now = clock.instant();
    return known
        .get(
            apiKeyHash,
            hash -> {
              beforeLookup.run();
              return keys.findActive(hash, now);
            })
        .filter(key -> key.expiresAt() == null || key.expiresAt().isAfter(now))
        .map(ActiveKey::clientId);
  }

  /** How many answers are remembered now. */
  long size() {
    known.cleanUp();
    return known.estimatedSize();
  }
}

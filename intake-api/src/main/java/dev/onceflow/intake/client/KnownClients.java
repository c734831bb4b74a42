package dev.onceflow.intake.client;

import dev.onceflow.model.ApiClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Which client an API key hash belongs to, remembered for a minute: every request authenticates,
 * and a SELECT per request was a visible share of intake's CPU in the benchmark's profile. Only
 * found keys are remembered (a new client's key works at once, and forged keys cannot fill the
 * map); a key's client never changes, so the minute only bounds how long a key removed from the
 * table by hand keeps working.
 */
@Component
class KnownClients {

  static final Duration REMEMBER_FOR = Duration.ofMinutes(1);
  /** Far more than the clients of one deployment; past it, the map starts afresh. */
  static final int MAX_REMEMBERED = 10_000;

  private record Known(UUID clientId, long until) {}

  private final ApiClientRepository clients;
  private final LongSupplier nanoTime;
  private final Map<String, Known> known = new ConcurrentHashMap<>();

  @Autowired
  KnownClients(ApiClientRepository clients) {
    this(clients, System::nanoTime);
  }

  KnownClients(ApiClientRepository clients, LongSupplier nanoTime) {
    this.clients = clients;
    this.nanoTime = nanoTime;
  }

  Optional<UUID> clientOf(String apiKeyHash) {
    long now = nanoTime.getAsLong();
    Known remembered = known.get(apiKeyHash);
    if (remembered != null && remembered.until() - now > 0) {
      return Optional.of(remembered.clientId());
    }
    Optional<UUID> found = clients.findByApiKeyHash(apiKeyHash).map(ApiClient::getId);
    found.ifPresentOrElse(
        id -> {
          if (known.size() >= MAX_REMEMBERED) {
            known.clear();
          }
          known.put(apiKeyHash, new Known(id, now + REMEMBER_FOR.toNanos()));
        },
        () -> known.remove(apiKeyHash));
    return found;
  }
}

package dev.onceflow.intake.client;

import dev.onceflow.intake.PlainText;
import dev.onceflow.intake.client.ApiKeyStore.StoredKey;
import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.ApiClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Registers API clients and manages their keys. A generated key is returned once and only its hash
 * is kept.
 */
@Service
public class ClientRegistry {

  static final int MAX_NAME = 200;

  /** The longest overlap a rotation may give the old keys. */
  public static final Duration MAX_OVERLAP = Duration.ofDays(7);

  /** A client just registered, with the only copy of its API key. */
  public record Registration(ApiClient client, StoredKey key, String apiKey) {}

  /** A key just issued, with its only copy, and how many old keys now end at the overlap's end. */
  public record IssuedKey(StoredKey key, String apiKey, int keysEnding) {}

  private final ApiClientRepository clients;
  private final ClientStatements statements;
  private final ApiKeyStore keys;
  private final Keyset keyset;
  private final Clock clock;

  ClientRegistry(
      ApiClientRepository clients,
      ClientStatements statements,
      ApiKeyStore keys,
      JdbcClient jdbc,
      Clock clock) {
    this.clients = clients;
    this.statements = statements;
    this.keys = keys;
    this.keyset = new Keyset(jdbc);
    this.clock = clock;
  }

  @Transactional
  public Registration register(String name) {
    if (name == null
        || name.isBlank()
        || name.strip().length() > MAX_NAME
        || !PlainText.isPlain(name)) {
      throw Refusal.badRequest(
          "invalid-client",
          "Invalid client",
          "'name' is required: at most "
              + MAX_NAME
              + " characters, without control or invisible format"
              + " characters.");
    }
    Instant now = now();
    ApiClient client = new ApiClient(UUID.randomUUID(), name.strip(), now);
    if (!statements.insertIfAbsent(client.getId(), client.getName(), now)) {
      // A random UUID colliding: not worth a retry loop, but never a silent success.
      throw new IllegalStateException("client id already taken");
    }
    String apiKey = ApiKeys.generate();
    return new Registration(client, issue(client.getId(), apiKey, now), apiKey);
  }

  /**
   * Issues a new key; the client's other live keys keep working for {@code overlap} (zero: they
   * stop now), so the client can switch without downtime.
   */
  @Transactional
  public IssuedKey rotate(UUID clientId, Duration overlap) {
    if (overlap == null || overlap.isNegative() || overlap.compareTo(MAX_OVERLAP) > 0) {
      throw Refusal.badRequest(
          "invalid-overlap",
          "Invalid overlap",
          "'overlapSeconds' must be 0 to "
              + MAX_OVERLAP.toSeconds()
              + " (how long the old keys keep working).");
    }
    requireClient(clientId);
    Instant now = now();
    String apiKey = ApiKeys.generate();
    StoredKey key = issue(clientId, apiKey, now);
    return new IssuedKey(key, apiKey, keys.expireOthers(clientId, key.id(), now.plus(overlap)));
  }

  /** Revokes one key at once; revoking a revoked key answers it as it is. */
  @Transactional
  public StoredKey revoke(UUID clientId, UUID keyId) {
    requireClient(clientId);
    keys.revoke(clientId, keyId, now());
    return keys.find(clientId, keyId)
        .orElseThrow(
            () ->
                Refusal.notFound(
                    "key-not-found", "Client " + clientId + " has no key " + keyId + "."));
  }

  public List<StoredKey> keys(UUID clientId) {
    requireClient(clientId);
    return keys.list(clientId);
  }

  /** One page of the clients, oldest first. */
  public Page<ApiClient> list(PageRequest request) {
    return keyset.rows(
        "FROM clients WHERE true",
        Map.of(),
        "created_at",
        Keyset.Order.OLDEST_FIRST,
        request,
        clients::findByIdIn,
        ApiClient::getId);
  }

  public ApiClient client(UUID clientId) {
    return requireClient(clientId);
  }

  private StoredKey issue(UUID clientId, String apiKey, Instant now) {
    UUID id = UUID.randomUUID();
    if (keys.insert(id, clientId, apiKey, now) != 1) {
      throw new IllegalStateException("key id or hash already taken");
    }
    return new StoredKey(id, clientId, ApiKeys.hint(apiKey), now, null, null);
  }

  private ApiClient requireClient(UUID clientId) {
    return clients
        .findById(clientId)
        .orElseThrow(() -> Refusal.notFound("client-not-found", "No client " + clientId + "."));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}

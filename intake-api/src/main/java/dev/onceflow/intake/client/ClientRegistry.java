package dev.onceflow.intake.client;

import dev.onceflow.intake.PlainText;
import dev.onceflow.intake.web.ApiException;
import dev.onceflow.model.ApiClient;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Registers API clients. The generated key is returned once and only its hash is kept. */
@Service
public class ClientRegistry {

  static final int MAX_NAME = 200;

  /** A client just registered, with the only copy of its API key. */
  public record Registration(ApiClient client, String apiKey) {}

  private final ApiClientRepository clients;
  private final Clock clock;

  ClientRegistry(ApiClientRepository clients, Clock clock) {
    this.clients = clients;
    this.clock = clock;
  }

  @Transactional
  public Registration register(String name) {
    if (name == null || name.isBlank() || name.strip().length() > MAX_NAME || !PlainText.isPlain(name)) {
      throw ApiException.badRequest(
          "invalid-client",
          "Invalid client",
          "'name' is required: at most " + MAX_NAME + " characters, without control or invisible format"
              + " characters.");
    }
    String apiKey = ApiKeys.generate();
    ApiClient client =
        new ApiClient(
            UUID.randomUUID(), name.strip(), ApiKeys.hash(apiKey), clock.instant().truncatedTo(ChronoUnit.MICROS));
    int inserted =
        clients.insertIfAbsent(client.getId(), client.getName(), client.getApiKeyHash(), client.getCreatedAt());
    if (inserted != 1) {
      // A random UUID or 256-bit key colliding: not worth a retry loop, but never a silent success.
      throw new IllegalStateException("client id or key hash already taken");
    }
    return new Registration(client, apiKey);
  }

  public List<ApiClient> list() {
    return clients.findAllByOrderByCreatedAtAscIdAsc();
  }
}

package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.account.AccountQueries;
import dev.onceflow.intake.account.web.AccountView;
import dev.onceflow.intake.admin.AccountOpening;
import dev.onceflow.intake.admin.AdminActions;
import dev.onceflow.intake.admin.AdminActions.Answer;
import dev.onceflow.intake.admin.AdminActions.Done;
import dev.onceflow.intake.client.ApiKeyStore.StoredKey;
import dev.onceflow.intake.client.ClientRegistry;
import dev.onceflow.intake.client.ClientRegistry.IssuedKey;
import dev.onceflow.intake.client.ClientRegistry.Registration;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.paging.PageView;
import dev.onceflow.model.ApiClient;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Client, key and account administration, apart from the client API and guarded by the admin key
 * ({@link AdminAuthentication}). Every write takes an Idempotency-Key ({@link AdminActions}).
 */
@RestController
@RequestMapping("/admin")
class AdminController {

  record NewClient(String name) {}

  /**
   * Only the first answer to the creation carries the key: it is not stored and cannot be read
   * again.
   */
  record CreatedClient(UUID id, String name, String apiKey, UUID keyId, Instant createdAt) {}

  record ClientView(UUID id, String name, Instant createdAt) {
    static ClientView of(ApiClient client) {
      return new ClientView(client.getId(), client.getName(), client.getCreatedAt());
    }
  }

  record NewAccount(String currency, Long openingBalance) {}

  /** How long the client's current keys keep working beside the new one; none given: 24 h. */
  record NewKey(Long overlapSeconds) {}

  record KeyView(UUID id, String hint, Instant createdAt, Instant expiresAt, Instant revokedAt) {
    static KeyView of(StoredKey key) {
      return new KeyView(key.id(), key.hint(), key.createdAt(), key.expiresAt(), key.revokedAt());
    }
  }

  /** A key just issued (shown once) and how many older keys now end at the overlap's end. */
  record IssuedKeyView(String apiKey, KeyView key, int keysEnding) {}

  static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);

  private final ClientRegistry registry;
  private final AccountOpening opening;
  private final AccountQueries accounts;
  private final AdminActions actions;

  AdminController(
      ClientRegistry registry,
      AccountOpening opening,
      AccountQueries accounts,
      AdminActions actions) {
    this.registry = registry;
    this.opening = opening;
    this.accounts = accounts;
    this.actions = actions;
  }

  @PostMapping("/clients")
  ResponseEntity<JsonNode> createClient(
      HttpServletRequest http, @RequestBody(required = false) NewClient request) {
    return write(
        http,
        request,
        () -> {
          Registration registration = registry.register(request == null ? null : request.name());
          ApiClient client = registration.client();
          return new Answer(
              HttpStatus.CREATED,
              "/admin/clients/" + client.getId(),
              new CreatedClient(
                  client.getId(),
                  client.getName(),
                  registration.apiKey(),
                  registration.key().id(),
                  client.getCreatedAt()),
              "created client " + client.getId() + " with key " + registration.key().id());
        });
  }

  @GetMapping("/clients")
  PageView<ClientView> listClients(
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    return PageView.of(registry.list(PageRequest.of(limit, after, before)), ClientView::of);
  }

  @GetMapping("/clients/{clientId}")
  ClientView getClient(@PathVariable UUID clientId) {
    return ClientView.of(registry.client(clientId));
  }

  @PostMapping("/clients/{clientId}/accounts")
  ResponseEntity<JsonNode> openAccount(
      HttpServletRequest http,
      @PathVariable UUID clientId,
      @RequestBody(required = false) NewAccount request) {
    NewAccount account = request == null ? new NewAccount(null, null) : request;
    return write(
        http,
        account,
        () -> {
          AccountView opened =
              AccountView.of(opening.open(clientId, account.currency(), account.openingBalance()));
          return new Answer(
              HttpStatus.CREATED,
              "/accounts/" + opened.id(),
              opened,
              "opened account "
                  + opened.id()
                  + " for client "
                  + clientId
                  + " with "
                  + opened.openingBalance()
                  + " "
                  + opened.currency());
        });
  }

  @GetMapping("/clients/{clientId}/accounts")
  PageView<AccountView> listAccounts(
      @PathVariable UUID clientId,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    registry.client(clientId);
    return PageView.of(
        accounts.list(clientId, PageRequest.of(limit, after, before)), AccountView::of);
  }

  @GetMapping("/clients/{clientId}/keys")
  List<KeyView> listKeys(@PathVariable UUID clientId) {
    return registry.keys(clientId).stream().map(KeyView::of).toList();
  }

  /** Rotation: a new key, while the client's current keys keep working for the overlap. */
  @PostMapping("/clients/{clientId}/keys")
  ResponseEntity<JsonNode> issueKey(
      HttpServletRequest http,
      @PathVariable UUID clientId,
      @RequestBody(required = false) NewKey request) {
    NewKey asked =
        request == null || request.overlapSeconds() == null
            ? new NewKey(DEFAULT_OVERLAP.toSeconds())
            : request;
    return write(
        http,
        asked,
        () -> {
          IssuedKey issued = registry.rotate(clientId, Duration.ofSeconds(asked.overlapSeconds()));
          return new Answer(
              HttpStatus.CREATED,
              "/admin/clients/" + clientId + "/keys/" + issued.key().id(),
              new IssuedKeyView(issued.apiKey(), KeyView.of(issued.key()), issued.keysEnding()),
              "issued key "
                  + issued.key().id()
                  + " for client "
                  + clientId
                  + "; "
                  + issued.keysEnding()
                  + " older keys end in "
                  + asked.overlapSeconds()
                  + " s");
        });
  }

  /** Revocation: the key stops working on every intake instance within a second. Idempotent. */
  @DeleteMapping("/clients/{clientId}/keys/{keyId}")
  ResponseEntity<JsonNode> revokeKey(
      HttpServletRequest http, @PathVariable UUID clientId, @PathVariable UUID keyId) {
    return write(
        http,
        null,
        () -> {
          StoredKey key = registry.revoke(clientId, keyId);
          return new Answer(
              HttpStatus.OK,
              null,
              KeyView.of(key),
              "revoked key " + keyId + " of client " + clientId);
        });
  }

  /** The admin API's audit, newest first, a page at a time. */
  @GetMapping("/audit")
  PageView<?> audit(
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    return PageView.of(actions.audit(PageRequest.of(limit, after, before)));
  }

  private ResponseEntity<JsonNode> write(
      HttpServletRequest http, Object request, Supplier<Answer> action) {
    Done done = actions.write(AdminAuthentication.callOf(http), request, action);
    AdminAuthentication.audited(http);
    ResponseEntity.BodyBuilder response = ResponseEntity.status(done.status());
    if (done.location() != null) {
      response.location(URI.create(done.location()));
    }
    if (done.replayed()) {
      response.header("Idempotent-Replay", "true");
    }
    return response.body(done.body());
  }
}

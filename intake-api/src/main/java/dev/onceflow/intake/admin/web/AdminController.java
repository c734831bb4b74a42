package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.account.AccountOpening;
import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.account.web.AccountView;
import dev.onceflow.intake.client.ApiClientRepository;
import dev.onceflow.intake.client.ClientRegistry;
import dev.onceflow.intake.client.ClientRegistry.Registration;
import dev.onceflow.intake.web.ApiException;
import dev.onceflow.model.ApiClient;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Client and account administration, apart from the client API and guarded by the admin key
 * ({@link AdminAuthentication}).
 */
@RestController
@RequestMapping("/admin/clients")
class AdminController {

  record NewClient(String name) {}

  /** Only the answer to the creation carries the key: it is not stored and cannot be read again. */
  record CreatedClient(UUID id, String name, String apiKey, Instant createdAt) {}

  record ClientView(UUID id, String name, Instant createdAt) {
    static ClientView of(ApiClient client) {
      return new ClientView(client.getId(), client.getName(), client.getCreatedAt());
    }
  }

  record NewAccount(String currency, Long openingBalance) {}

  private final ClientRegistry registry;
  private final ApiClientRepository clients;
  private final AccountOpening opening;
  private final AccountRepository accounts;

  AdminController(
      ClientRegistry registry,
      ApiClientRepository clients,
      AccountOpening opening,
      AccountRepository accounts) {
    this.registry = registry;
    this.clients = clients;
    this.opening = opening;
    this.accounts = accounts;
  }

  @PostMapping
  ResponseEntity<CreatedClient> createClient(@RequestBody(required = false) NewClient request) {
    Registration registration = registry.register(request == null ? null : request.name());
    ApiClient client = registration.client();
    return ResponseEntity.created(URI.create("/admin/clients/" + client.getId()))
        .body(new CreatedClient(client.getId(), client.getName(), registration.apiKey(), client.getCreatedAt()));
  }

  @GetMapping
  List<ClientView> listClients() {
    return registry.list().stream().map(ClientView::of).toList();
  }

  @GetMapping("/{clientId}")
  ClientView getClient(@PathVariable UUID clientId) {
    return clients.findById(clientId).map(ClientView::of).orElseThrow(() -> clientNotFound(clientId));
  }

  @PostMapping("/{clientId}/accounts")
  ResponseEntity<AccountView> openAccount(
      @PathVariable UUID clientId, @RequestBody(required = false) NewAccount request) {
    NewAccount account = request == null ? new NewAccount(null, null) : request;
    AccountView opened = AccountView.of(opening.open(clientId, account.currency(), account.openingBalance()));
    return ResponseEntity.created(URI.create("/accounts/" + opened.id())).body(opened);
  }

  @GetMapping("/{clientId}/accounts")
  List<AccountView> listAccounts(@PathVariable UUID clientId) {
    if (clients.findById(clientId).isEmpty()) {
      throw clientNotFound(clientId);
    }
    return accounts.findByClientIdOrderByCreatedAt(clientId).stream().map(AccountView::of).toList();
  }

  private static ApiException clientNotFound(UUID clientId) {
    return ApiException.notFound("client-not-found", "No client " + clientId + ".");
  }
}

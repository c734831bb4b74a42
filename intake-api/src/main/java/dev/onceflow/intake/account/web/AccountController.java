package dev.onceflow.intake.account.web;

import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.refusal.Refusal;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** A client's own accounts, read-only: accounts are opened through the admin API. */
@RestController
@RequestMapping("/accounts")
class AccountController {

  private final AccountRepository accounts;

  AccountController(AccountRepository accounts) {
    this.accounts = accounts;
  }

  @GetMapping("/{id}")
  AccountView get(AuthenticatedClient client, @PathVariable UUID id) {
    return accounts
        .findByIdAndClientId(id, client.id())
        .map(AccountView::of)
        .orElseThrow(() -> Refusal.notFound("account-not-found", "No account " + id + "."));
  }

  @GetMapping
  List<AccountView> list(AuthenticatedClient client) {
    return accounts.findByClientIdOrderByCreatedAt(client.id()).stream()
        .map(AccountView::of)
        .toList();
  }
}

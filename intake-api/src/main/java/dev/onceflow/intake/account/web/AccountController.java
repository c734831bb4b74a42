package dev.onceflow.intake.account.web;

import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.account.Currencies;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.web.ApiException;
import dev.onceflow.model.Account;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/accounts")
class AccountController {

  record OpenAccount(String currency, Long openingBalance) {}

  record AccountView(
      UUID id,
      String currency,
      long openingBalance,
      long balance,
      long reserved,
      long available,
      Instant createdAt,
      Instant updatedAt) {

    static AccountView of(Account account) {
      return new AccountView(
          account.getId(),
          account.getCurrency(),
          account.getOpeningBalance(),
          account.getBalance(),
          account.getReserved(),
          account.getAvailable(),
          account.getCreatedAt(),
          account.getUpdatedAt());
    }
  }

  private final AccountRepository accounts;
  private final Clock clock;

  AccountController(AccountRepository accounts, Clock clock) {
    this.accounts = accounts;
    this.clock = clock;
  }

  @PostMapping
  @Transactional
  ResponseEntity<AccountView> open(AuthenticatedClient client, @RequestBody OpenAccount request) {
    String currency = Currencies.requireIso4217(request.currency());
    long openingBalance = request.openingBalance() == null ? 0 : request.openingBalance();
    if (openingBalance < 0) {
      throw ApiException.badRequest(
          "invalid-opening-balance",
          "Invalid opening balance",
          "'openingBalance' must be zero or a positive integer of minor units.");
    }
    Account account =
        accounts.save(new Account(UUID.randomUUID(), client.id(), currency, openingBalance, clock.instant()));
    return ResponseEntity.created(URI.create("/accounts/" + account.getId()))
        .body(AccountView.of(account));
  }

  @GetMapping("/{id}")
  AccountView get(AuthenticatedClient client, @PathVariable UUID id) {
    return accounts
        .findByIdAndClientId(id, client.id())
        .map(AccountView::of)
        .orElseThrow(() -> ApiException.notFound("account-not-found", "No account " + id + "."));
  }

  @GetMapping
  List<AccountView> list(AuthenticatedClient client) {
    return accounts.findByClientIdOrderByCreatedAt(client.id()).stream().map(AccountView::of).toList();
  }
}

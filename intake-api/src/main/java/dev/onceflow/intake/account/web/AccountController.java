package dev.onceflow.intake.account.web;

import dev.onceflow.intake.account.AccountQueries;
import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.paging.PageView;
import dev.onceflow.intake.refusal.Refusal;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A client's own accounts, read-only: accounts are opened through the admin API. */
@RestController
@RequestMapping("/accounts")
class AccountController {

  private final AccountRepository accounts;
  private final AccountQueries queries;

  AccountController(AccountRepository accounts, AccountQueries queries) {
    this.accounts = accounts;
    this.queries = queries;
  }

  @GetMapping("/{id}")
  AccountView get(AuthenticatedClient client, @PathVariable UUID id) {
    return accounts
        .findByIdAndClientId(id, client.id())
        .map(AccountView::of)
        .orElseThrow(() -> Refusal.notFound("account-not-found", "No account " + id + "."));
  }

  /** The client's accounts, oldest first, a page at a time. */
  @GetMapping
  PageView<AccountView> list(
      AuthenticatedClient client,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    return PageView.of(
        queries.list(client.id(), PageRequest.of(limit, after, before)), AccountView::of);
  }
}

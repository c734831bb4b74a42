package dev.onceflow.intake.account;

import dev.onceflow.intake.paging.Cursor;
import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.model.Account;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Reads of a client's accounts: the clients' own API and the admin API list them alike. */
@Service
public class AccountQueries {

  private final AccountRepository accounts;
  private final Keyset keyset;

  AccountQueries(AccountRepository accounts, JdbcClient jdbc) {
    this.accounts = accounts;
    this.keyset = new Keyset(jdbc);
  }

  /** One page of the client's accounts, oldest first. */
  public Page<Account> list(UUID clientId, PageRequest request) {
    Page<Cursor> page =
        keyset.page(
            "FROM accounts WHERE client_id = :clientId",
            Map.of("clientId", clientId),
            "created_at",
            Keyset.Order.OLDEST_FIRST,
            request);
    Map<UUID, Account> loaded =
        accounts.findByIdIn(page.items().stream().map(Cursor::id).toList()).stream()
            .collect(Collectors.toMap(Account::getId, Function.identity()));
    return page.load(loaded, Cursor::id);
  }
}

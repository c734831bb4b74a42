package dev.onceflow.intake.account;

import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.model.Account;
import java.util.Map;
import java.util.UUID;
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
    return keyset.rows(
        "FROM accounts WHERE client_id = :clientId",
        Map.of("clientId", clientId),
        "created_at",
        Keyset.Order.OLDEST_FIRST,
        request,
        accounts::findByIdIn,
        Account::getId);
  }
}

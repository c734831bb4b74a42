package dev.onceflow.intake.account;

import dev.onceflow.model.Account;
import java.time.ZoneOffset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The creation of accounts (by the admin API and the demo data); their funds change only through
 * the transaction store's {@code AccountFunds}.
 */
@Repository
public class AccountStatements {

  private static final String INSERT_IF_ABSENT =
      """
      INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
      VALUES (:id, :clientId, :currency, :openingBalance, :openingBalance, 0, 0, :now, :now)
      ON CONFLICT DO NOTHING
      """;

  private final JdbcClient jdbc;

  AccountStatements(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Creates the new account as built in memory, unless one with its id exists; whether it did. */
  public boolean insertIfAbsent(Account account) {
    return jdbc.sql(INSERT_IF_ABSENT)
            .param("id", account.getId())
            .param("clientId", account.getClientId())
            .param("currency", account.getCurrency())
            .param("openingBalance", account.getOpeningBalance())
            .param("now", account.getCreatedAt().atOffset(ZoneOffset.UTC))
            .update()
        == 1;
  }
}

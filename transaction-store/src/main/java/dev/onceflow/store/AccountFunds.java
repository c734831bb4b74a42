package dev.onceflow.store;

import static dev.onceflow.store.StateSql.utc;

import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The funds side of a payment's transitions, on the {@code accounts} table: reserved when it is
 * accepted (or reopened), settled out of the balance when it completes, released when it fails.
 * Each check and its change are one statement, so concurrent payments cannot overdraw; the money
 * invariant is {@code reserved = sum of the amounts of PENDING, PROCESSING and UNKNOWN rows}.
 */
public final class AccountFunds {

  public static final String RESERVE =
      """
      UPDATE accounts
      SET reserved = reserved + :amount, version = version + 1, updated_at = :now
      WHERE id = :id
        AND client_id = :clientId
        AND currency = :currency
        AND balance - reserved >= :amount
      """;

  public static final String SETTLE =
      """
      UPDATE accounts
      SET balance = balance - :amount, reserved = reserved - :amount, version = version + 1, updated_at = :now
      WHERE id = :id
        AND reserved >= :amount
      """;

  static final String RELEASE =
      """
      UPDATE accounts
      SET reserved = reserved - :amount, version = version + 1, updated_at = :now
      WHERE id = :id
        AND reserved >= :amount
      """;

  private final JdbcClient jdbc;

  public AccountFunds(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Reserves {@code amount} if the client's account in that currency has it available; false means
   * no such account, another currency, or not enough available funds.
   */
  public boolean reserve(UUID accountId, UUID clientId, String currency, long amount, Instant now) {
    return jdbc.sql(RESERVE)
            .param("id", accountId)
            .param("clientId", clientId)
            .param("currency", currency)
            .param("amount", amount)
            .param("now", utc(now))
            .update()
        == 1;
  }

  /** The payment completed: its reserved amount leaves the balance. */
  public void settle(HeldTransaction payment, Instant now) {
    requireReserved(jdbc.sql(SETTLE), payment, now);
  }

  /** The payment failed or was cancelled: its reserved amount becomes available again. */
  public void release(HeldTransaction payment, Instant now) {
    requireReserved(jdbc.sql(RELEASE), payment, now);
  }

  private static void requireReserved(
      JdbcClient.StatementSpec statement, HeldTransaction payment, Instant now) {
    int rows =
        statement
            .param("id", payment.accountId())
            .param("amount", payment.amount())
            .param("now", utc(now))
            .update();
    if (rows != 1) {
      // reserved < amount would break the money invariant: roll the whole outcome back.
      throw new IllegalStateException(
          "account "
              + payment.accountId()
              + " does not hold "
              + payment.amount()
              + " reserved for transaction "
              + payment.id());
    }
  }
}

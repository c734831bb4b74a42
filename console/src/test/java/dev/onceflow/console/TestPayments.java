package dev.onceflow.console;

import dev.onceflow.infra.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Payments written straight into a migrated database, as the services would have left them, for the
 * console's tests to read.
 */
final class TestPayments {

  private final String jdbcUrl;

  TestPayments(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
  }

  /** A payment that failed with RETRIES_EXHAUSTED after 8 bank calls, of a client of its own. */
  UUID failed(String idempotencyKey) throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    UUID id = UUID.randomUUID();
    try (Connection db = connect()) {
      execute(
          db, "INSERT INTO clients (id, name, created_at) VALUES (?, 'console', now())", client);
      execute(
          db,
          "INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)"
              + " VALUES (?, ?, 'EUR', 100, 100, 0, 0, now(), now())",
          account,
          client);
      execute(
          db,
          "INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,"
              + " external_key, idempotency_key, attempts, next_attempt_at, lease_until, failure_code, version,"
              + " created_at, updated_at)"
              + " VALUES (?, ?, ?, 'FAILED', 10, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, ?, 8, now(), now(),"
              + " 'RETRIES_EXHAUSTED', 0, now(), now())",
          id,
          client,
          account,
          "ext-" + id,
          idempotencyKey);
    }
    return id;
  }

  /** How many transactions are in the state (the database may hold other tests' too). */
  long count(String state) throws SQLException {
    try (Connection db = connect();
        PreparedStatement statement =
            db.prepareStatement("SELECT count(*) FROM transactions WHERE state = ?")) {
      statement.setString(1, state);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        return result.getLong(1);
      }
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "");
  }

  private static void execute(Connection db, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }
}

package dev.onceflow.testing;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.TransactionState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test, every change of a transaction's state that any database of the shared PostgreSQL
 * saw during it (recorded by the trigger this module's {@code afterMigrate.sql} installs) must be
 * one {@link TransactionState#canBecome} allows; the records are then cleared. Registered for every
 * test by JUnit's extension auto-detection (the module's {@code META-INF/services}); a test JVM
 * that never started the shared PostgreSQL is left alone.
 */
public final class TransitionAudit implements AfterEachCallback {

  @Override
  public void afterEach(ExtensionContext context) throws SQLException {
    var postgres = SharedTestInfrastructure.startedPostgres();
    if (postgres.isPresent()) {
      List<String> forbidden = forbiddenChanges(postgres.get());
      if (!forbidden.isEmpty()) {
        throw new AssertionError(
            "state changes TransactionState does not allow, seen by the database during this test:\n  "
                + String.join("\n  ", forbidden));
      }
    }
  }

  /**
   * The recorded changes that are not allowed, one line each, in every database; clears the
   * records.
   */
  public static List<String> forbiddenChanges(PostgresServer postgres) throws SQLException {
    List<String> databases = new ArrayList<>();
    try (Connection admin =
            DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        Statement statement = admin.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate")) {
      while (rows.next()) {
        databases.add(rows.getString(1));
      }
    }
    List<String> forbidden = new ArrayList<>();
    for (String database : databases) {
      forbidden.addAll(forbiddenChanges(postgres.jdbcUrl(database), database));
    }
    return forbidden;
  }

  private static List<String> forbiddenChanges(String jdbcUrl, String database)
      throws SQLException {
    List<String> forbidden = new ArrayList<>();
    Connection connection;
    try {
      connection = DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "");
    } catch (SQLException e) {
      return forbidden; // dropped since it was listed
    }
    try (connection;
        Statement statement = connection.createStatement()) {
      try (ResultSet exists =
          statement.executeQuery("SELECT to_regclass('test_state_changes') IS NOT NULL")) {
        exists.next();
        if (!exists.getBoolean(1)) {
          return forbidden;
        }
      }
      try (ResultSet rows =
          statement.executeQuery(
              "DELETE FROM test_state_changes RETURNING transaction_id, from_state, to_state, at")) {
        while (rows.next()) {
          String from = rows.getString("from_state");
          String to = rows.getString("to_state");
          if (!allowed(from, to)) {
            forbidden.add(
                "%s: transaction %s went %s -> %s at %s"
                    .formatted(
                        database,
                        rows.getString("transaction_id"),
                        from,
                        to,
                        rows.getString("at")));
          }
        }
      }
    }
    return forbidden;
  }

  private static boolean allowed(String from, String to) {
    try {
      return TransactionState.valueOf(from).canBecome(TransactionState.valueOf(to));
    } catch (IllegalArgumentException e) {
      return false; // not a state at all
    }
  }
}

package dev.onceflow.testing;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.TransactionState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test, every change of a transaction's state that any database of the shared PostgreSQL
 * saw during it (its {@code transaction_history}, which a trigger writes with each change) must be
 * one {@link TransactionState#canBecome} allows, and the history of every transaction it changed
 * must agree with the transaction: each change starts where the one before ended, and the last ends
 * at the row's state. Registered for every test by JUnit's extension auto-detection (the module's
 * {@code META-INF/services}); a test JVM that never started the shared PostgreSQL is left alone.
 */
public final class TransitionAudit implements AfterEachCallback {

  /** The last history row checked, per database: each test checks only what came after. */
  private static final Map<String, Long> SEEN = new ConcurrentHashMap<>();

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
   * The changes since the last call that are not allowed, and the histories that disagree with
   * their transactions, one line each, in every database.
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
          statement.executeQuery("SELECT to_regclass('transaction_history') IS NOT NULL")) {
        exists.next();
        if (!exists.getBoolean(1)) {
          return forbidden;
        }
      }
      long seen = SEEN.getOrDefault(jdbcUrl, 0L);
      long last = seen;
      try (PreparedStatement changes =
          connection.prepareStatement(
              "SELECT id, transaction_id, from_state, to_state, at FROM transaction_history"
                  + " WHERE id > ? AND from_state IS NOT NULL ORDER BY id")) {
        changes.setLong(1, seen);
        try (ResultSet rows = changes.executeQuery()) {
          while (rows.next()) {
            last = Math.max(last, rows.getLong("id"));
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
      forbidden.addAll(disagreements(connection, database, seen));
      SEEN.put(jdbcUrl, last);
    }
    return forbidden;
  }

  /**
   * Every transaction of the database whose history disagrees with it (as after each test), or that
   * has no history at all; one line each.
   */
  public static List<String> historyDisagreements(Connection connection) throws SQLException {
    List<String> found = disagreements(connection, "", 0);
    try (Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT id FROM transactions t WHERE NOT EXISTS"
                    + " (SELECT 1 FROM transaction_history h WHERE h.transaction_id = t.id)")) {
      while (rows.next()) {
        found.add("transaction " + rows.getString(1) + " has no history");
      }
    }
    return found;
  }

  /**
   * The histories, of the transactions changed since the history row {@code seen}, that disagree
   * with the rows: a change that does not start where the one before it ended, or a last state that
   * is not the transaction's state. One statement, so one snapshot: a change and its history row
   * commit together.
   */
  private static List<String> disagreements(Connection connection, String database, long seen)
      throws SQLException {
    List<String> found = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(DISAGREEMENTS)) {
      query.setLong(1, seen);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          found.add(
              "%sthe history of transaction %s disagrees with it: %s"
                  .formatted(
                      database.isEmpty() ? "" : database + ": ",
                      rows.getString("transaction_id"),
                      rows.getString("what")));
        }
      }
    }
    return found;
  }

  private static final String DISAGREEMENTS =
      """
      WITH chain AS (
          SELECT h.transaction_id, h.id, h.from_state, h.to_state,
                 lag(h.to_state) OVER (PARTITION BY h.transaction_id ORDER BY h.id) AS previous,
                 row_number() OVER (PARTITION BY h.transaction_id ORDER BY h.id DESC) AS from_end
          FROM transaction_history h
          WHERE h.transaction_id IN (SELECT transaction_id FROM transaction_history WHERE id > ?)
      )
      SELECT c.transaction_id,
             CASE WHEN c.from_state IS DISTINCT FROM c.previous
                  THEN 'change ' || c.id || ' starts at ' || coalesce(c.from_state, 'creation')
                       || ' after ' || coalesce(c.previous, 'nothing')
                  ELSE 'it ends at ' || c.to_state || ' but the transaction is ' || t.state
             END AS what
      FROM chain c
      JOIN transactions t ON t.id = c.transaction_id
      WHERE c.from_state IS DISTINCT FROM c.previous
         OR (c.from_end = 1 AND c.to_state <> t.state)
      ORDER BY c.transaction_id, c.id
      """;

  private static boolean allowed(String from, String to) {
    try {
      return TransactionState.valueOf(from).canBecome(TransactionState.valueOf(to));
    } catch (IllegalArgumentException e) {
      return false; // not a state at all
    }
  }
}

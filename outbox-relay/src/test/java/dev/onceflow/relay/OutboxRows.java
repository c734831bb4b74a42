package dev.onceflow.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.EventType;
import dev.onceflow.model.TransactionEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes outbox rows the way every Onceflow service does: insert, then delete, in one transaction.
 */
final class OutboxRows {

  static final JsonMapper json = JsonMapper.builder().build();

  private final String jdbcUrl;

  OutboxRows(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
  }

  static TransactionEvent event(EventType type, UUID transactionId) {
    return TransactionEvent.of(type, transactionId, Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  static List<TransactionEvent> requestedEvents(int count) {
    List<TransactionEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event(EventType.TRANSACTION_REQUESTED, UUID.randomUUID()));
    }
    return events;
  }

  void writeInOneTransaction(List<TransactionEvent> events) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "")) {
      connection.setAutoCommit(false);
      for (TransactionEvent event : events) {
        write(connection, event);
      }
      connection.commit();
    }
  }

  void writeEachInItsOwnTransaction(List<TransactionEvent> events) throws SQLException {
    for (TransactionEvent event : events) {
      writeInOneTransaction(List.of(event));
    }
  }

  private static void write(Connection connection, TransactionEvent event) throws SQLException {
    try (PreparedStatement insert =
            connection.prepareStatement(
                """
                INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                VALUES (?, ?, ?, ?, CAST(? AS jsonb))
                """);
        PreparedStatement delete = connection.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
      insert.setObject(1, event.eventId());
      insert.setString(2, event.eventType().stream());
      insert.setString(3, event.transactionId().toString());
      insert.setString(4, event.type());
      insert.setString(5, json.writeValueAsString(event));
      insert.executeUpdate();
      delete.setObject(1, event.eventId());
      assertThat(delete.executeUpdate()).isEqualTo(1);
    }
  }

  /** Ends the sessions of the active relay: its advisory lock holder and its WAL sender. */
  void terminateRelaySessions() throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "");
        var statement = connection.createStatement()) {
      statement.execute(
          """
          SELECT pg_terminate_backend(pid)
          FROM pg_stat_activity
          WHERE application_name = 'onceflow-relay-leadership'
             OR pid IN (SELECT active_pid FROM pg_replication_slots WHERE active)
          """);
    }
  }

  /** Writes WAL that the relay's publication does not carry; returns the WAL position after it. */
  String writeWalOutsideTheOutbox() throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "");
        var statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS wal_filler (id serial PRIMARY KEY, body text)");
      statement.execute(
          "INSERT INTO wal_filler (body) SELECT repeat('x', 200) FROM generate_series(1, 5000)");
      var lsn = statement.executeQuery("SELECT pg_current_wal_lsn()::text");
      lsn.next();
      return lsn.getString(1);
    }
  }

  /** Whether the relay's slot has confirmed a position at or past {@code lsn}. */
  boolean slotConfirmedPast(String lsn) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, PostgresServer.USER, "");
        var query =
            connection.prepareStatement(
                "SELECT confirmed_flush_lsn >= CAST(? AS pg_lsn) FROM pg_replication_slots WHERE slot_name = 'onceflow_outbox'")) {
      query.setString(1, lsn);
      var row = query.executeQuery();
      return row.next() && row.getBoolean(1);
    }
  }
}

package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-side SQL: rows as intake would write them, the rows' current state, and the events the
 * worker wrote to the outbox, read from the WAL through a logical replication slot (the outbox
 * table itself is always empty).
 */
final class TestDatabase implements AutoCloseable {

  // test_decoding prints text columns as name[character varying]:'value'
  private static final Pattern OUTBOX_INSERT =
      Pattern.compile(
          "table public\\.outbox: INSERT: .*aggregateid\\[character varying\\]:'([^']*)' type\\[character varying\\]:'([^']*)'");

  /** A transaction row as the tests look at it. */
  record TransactionRow(
      String state,
      int attempts,
      long version,
      String bankReference,
      String failureCode,
      String failureDetail,
      String externalKey,
      Instant nextAttemptAt,
      Instant leaseUntil) {}

  private final Connection db;
  private final String slot;
  private final UUID clientId = UUID.randomUUID();
  private final Map<String, List<String>> outboxEventsByTransaction = new HashMap<>();

  /** Connects; call only once the worker has migrated the schema. */
  TestDatabase(PostgresServer postgres, String slot) throws SQLException {
    this.db = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
    this.slot = slot;
    try (var statement = db.createStatement()) {
      statement.execute(
          "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    }
    update("INSERT INTO clients (id, name, created_at) VALUES (?, 'it', now())", clientId);
  }

  UUID insertAccount(long balance, long reserved) throws SQLException {
    UUID id = UUID.randomUUID();
    update(
        """
        INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
        VALUES (?, ?, 'EUR', ?, ?, ?, 0, now(), now())
        """,
        id,
        clientId,
        balance,
        balance,
        reserved);
    return id;
  }

  /** A transaction as intake writes it: PENDING, due now, its event trusted for 30 s. */
  UUID insertPendingTransaction(UUID account, long amount) throws SQLException {
    return insertTransaction(
        account, amount, "PENDING", 0, 0, "now()", "now() + interval '30 seconds'");
  }

  /**
   * @param nextAttemptAt an SQL expression
   * @param leaseUntil an SQL expression
   */
  UUID insertTransaction(
      UUID account,
      long amount,
      String state,
      int attempts,
      long version,
      String nextAttemptAt,
      String leaseUntil)
      throws SQLException {
    UUID id = UUID.randomUUID();
    update(
        """
        INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,
                                  reference, external_key, attempts, next_attempt_at, lease_until, version,
                                  created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 'EUR', 'ACME GmbH', 'DE89370400440532013000', 'invoice 42', ?, ?, %s, %s, ?, now(), now())
        """
            .formatted(nextAttemptAt, leaseUntil),
        id,
        clientId,
        account,
        state,
        amount,
        "ext-" + UUID.randomUUID(),
        attempts,
        version);
    return id;
  }

  /** Sets when the transaction's first attempt was made. @param at an SQL expression */
  void setFirstAttemptAt(UUID transaction, String at) throws SQLException {
    update("UPDATE transactions SET first_attempt_at = %s WHERE id = ?".formatted(at), transaction);
  }

  /** Removes a transaction a test made up, so that no other test's sweeper picks it up. */
  void delete(UUID transaction) throws SQLException {
    update("DELETE FROM transactions WHERE id = ?", transaction);
  }

  /** Runs a statement (DDL, say) that changes no row the tests count. */
  void execute(String sql) throws SQLException {
    try (var statement = db.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Makes an UNKNOWN row's "no payment" believable now, as if the reconcile delay had passed. */
  void trustAbsence(UUID transaction) throws SQLException {
    update(
        "UPDATE transactions SET absence_trusted_from = now() - interval '1 second' WHERE id = ? AND absence_trusted_from IS NOT NULL",
        transaction);
  }

  /** From when an UNKNOWN row's "no payment" is believed; null while the bank acknowledged it. */
  Instant absenceTrustedFrom(UUID transaction) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement("SELECT absence_trusted_from FROM transactions WHERE id = ?")) {
      query.setObject(1, transaction);
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).isTrue();
        return row.getTimestamp(1) == null ? null : row.getTimestamp(1).toInstant();
      }
    }
  }

  /** Makes a PENDING row due now, as if its backoff had passed. */
  void makeDue(UUID transaction) throws SQLException {
    update("UPDATE transactions SET next_attempt_at = now() WHERE id = ?", transaction);
  }

  TransactionRow transaction(UUID id) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            """
            SELECT state, attempts, version, bank_reference, failure_code, failure_detail, external_key,
                   next_attempt_at, lease_until
            FROM transactions
            WHERE id = ?
            """)) {
      query.setObject(1, id);
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).as("transaction %s exists", id).isTrue();
        return new TransactionRow(
            row.getString(1),
            row.getInt(2),
            row.getLong(3),
            row.getString(4),
            row.getString(5),
            row.getString(6),
            row.getString(7),
            row.getTimestamp(8).toInstant(),
            row.getTimestamp(9).toInstant());
      }
    }
  }

  String state(UUID id) throws SQLException {
    return transaction(id).state();
  }

  long countCompleted(List<UUID> ids) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT count(*) FROM transactions WHERE id = ANY (?) AND state = 'COMPLETED'")) {
      query.setArray(1, db.createArrayOf("uuid", ids.toArray()));
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  long balance(UUID account) throws SQLException {
    return accountColumn(account, "balance");
  }

  long reserved(UUID account) throws SQLException {
    return accountColumn(account, "reserved");
  }

  private long accountColumn(UUID account, String column) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement("SELECT " + column + " FROM accounts WHERE id = ?")) {
      query.setObject(1, account);
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  /** The event types written to the outbox for {@code tx} so far, in order, read from the WAL. */
  synchronized List<String> outboxEvents(UUID tx) throws SQLException {
    try (var statement = db.createStatement();
        ResultSet changes =
            statement.executeQuery(
                "SELECT data FROM pg_logical_slot_get_changes('" + slot + "', NULL, NULL)")) {
      while (changes.next()) {
        Matcher insert = OUTBOX_INSERT.matcher(changes.getString(1));
        if (insert.find()) {
          outboxEventsByTransaction
              .computeIfAbsent(insert.group(1), key -> new ArrayList<>())
              .add(insert.group(2));
        }
      }
    }
    return List.copyOf(outboxEventsByTransaction.getOrDefault(tx.toString(), List.of()));
  }

  private void update(String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      assertThat(statement.executeUpdate()).isEqualTo(1);
    }
  }

  @Override
  public void close() throws SQLException {
    try (var statement = db.createStatement()) {
      statement.execute("SELECT pg_drop_replication_slot('" + slot + "')");
    }
    db.close();
  }
}

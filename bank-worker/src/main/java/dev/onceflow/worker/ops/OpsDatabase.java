package dev.onceflow.worker.ops;

import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ops commands' SQL. Plain JDBC, so that a command starts in a moment; every change is a
 * conditional UPDATE guarded by the state it expects, with its outbox event and its audit row in
 * the same DB transaction.
 */
final class OpsDatabase implements AutoCloseable {

  /** Only failures where the bank confirmed it holds no payment may be tried again. */
  static final FailureCode RETRYABLE = FailureCode.RETRIES_EXHAUSTED;

  private static final String INSERT_OUTBOX =
      """
      INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
      VALUES (?, ?, ?, ?, CAST(? AS jsonb))
      """;

  private static final String DELETE_OUTBOX = "DELETE FROM outbox WHERE id = ?";

  private static final String INSERT_AUDIT =
      """
      INSERT INTO ops_audit (id, at, actor, action, parameters, affected, outcome)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      """;

  private static final String REDRIVE_PENDING =
      """
      UPDATE transactions
      SET lease_until = ?,
          version = version + 1,
          updated_at = ?
      WHERE state = 'PENDING'
        AND created_at < ?
      RETURNING id
      """;

  private static final String LOCK_FAILED =
      """
      SELECT state, failure_code, account_id, amount
      FROM transactions
      WHERE id = ?
      FOR UPDATE
      """;

  private static final String RESERVE =
      """
      UPDATE accounts
      SET reserved = reserved + ?,
          version = version + 1,
          updated_at = ?
      WHERE id = ?
        AND balance - reserved >= ?
      """;

  private static final String REOPEN_FAILED =
      """
      UPDATE transactions
      SET state = 'PENDING',
          attempts = 0,
          next_attempt_at = ?,
          lease_until = ?,
          failure_code = NULL,
          failure_detail = NULL,
          version = version + 1,
          updated_at = ?
      WHERE id = ?
        AND state = 'FAILED'
        AND failure_code = ?
      """;

  private static final String LIST_UNKNOWN =
      """
      SELECT id, unknown_since, lookups, external_key, bank_reference
      FROM transactions
      WHERE state = 'UNKNOWN'
      ORDER BY unknown_since
      LIMIT ?
      """;

  private static final String LOCK_UNKNOWN =
      "SELECT state, account_id, amount FROM transactions WHERE id = ? FOR UPDATE";

  private static final String COMPLETE_UNKNOWN =
      """
      UPDATE transactions
      SET state = 'COMPLETED', bank_reference = ?, lease_until = ?, version = version + 1, updated_at = ?
      WHERE id = ?
        AND state = 'UNKNOWN'
      """;

  private static final String FAIL_UNKNOWN =
      """
      UPDATE transactions
      SET state = 'FAILED', failure_code = ?, failure_detail = ?, lease_until = ?, version = version + 1, updated_at = ?
      WHERE id = ?
        AND state = 'UNKNOWN'
      """;

  /** balance - ? for a settled payment (0 for a failed one); reserved - ? either way. */
  private static final String SETTLE_OR_RELEASE =
      """
      UPDATE accounts
      SET balance = balance - ?, reserved = reserved - ?, version = version + 1, updated_at = ?
      WHERE id = ?
        AND reserved >= ?
      """;

  private static final String VERSIONS = "SELECT id, version FROM transactions WHERE id = ANY (?)";

  private static final String RECENT_AUDIT =
      """
      SELECT at, actor, action, parameters, affected, outcome
      FROM ops_audit
      ORDER BY at DESC
      LIMIT ?
      """;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Connection connection;

  OpsDatabase(String jdbcUrl, String user, String password) throws SQLException {
    this.connection = DriverManager.getConnection(jdbcUrl, user, password);
    connection.setAutoCommit(false);
  }

  /** Re-enqueues PENDING transactions created before {@code createdBefore}; returns how many. */
  int redrivePending(Instant createdBefore, Duration redriveAfter, Instant now, Audit audit)
      throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (PreparedStatement update = connection.prepareStatement(REDRIVE_PENDING)) {
      update.setTimestamp(1, Timestamp.from(now.plus(redriveAfter)));
      update.setTimestamp(2, Timestamp.from(now));
      update.setTimestamp(3, Timestamp.from(createdBefore));
      try (ResultSet rows = update.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getObject(1, UUID.class));
        }
      }
    }
    for (UUID id : ids) {
      publish(EventType.TRANSACTION_REQUESTED, id, now);
    }
    audit.affected(ids.size()).outcome("re-enqueued " + ids.size() + " PENDING transactions");
    insertAudit(audit, now);
    connection.commit();
    return ids.size();
  }

  /**
   * Reopens a transaction that failed with a retryable failure: reserves its funds again and
   * enqueues it. The bank key stays the one the transaction always had.
   *
   * @return null if done, else why it was refused (nothing changed)
   */
  String retryFailed(UUID id, Duration redriveAfter, Instant now, Audit audit) throws SQLException {
    String refusal = tryRetryFailed(id, redriveAfter, now);
    if (refusal != null) {
      connection.rollback();
      audit.affected(0).outcome("refused: " + refusal);
    } else {
      audit.affected(1).outcome("reopened as PENDING");
    }
    insertAudit(audit, now);
    connection.commit();
    return refusal;
  }

  private String tryRetryFailed(UUID id, Duration redriveAfter, Instant now) throws SQLException {
    UUID account;
    long amount;
    try (PreparedStatement lock = connection.prepareStatement(LOCK_FAILED)) {
      lock.setObject(1, id);
      try (ResultSet row = lock.executeQuery()) {
        if (!row.next()) {
          return "no transaction " + id;
        }
        String state = row.getString("state");
        String failure = row.getString("failure_code");
        if (!"FAILED".equals(state) || !RETRYABLE.name().equals(failure)) {
          return "transaction "
              + id
              + " is "
              + state
              + (failure == null ? "" : " (" + failure + ")")
              + "; only FAILED with "
              + RETRYABLE
              + " may be retried";
        }
        account = row.getObject("account_id", UUID.class);
        amount = row.getLong("amount");
      }
    }
    try (PreparedStatement reserve = connection.prepareStatement(RESERVE)) {
      reserve.setLong(1, amount);
      reserve.setTimestamp(2, Timestamp.from(now));
      reserve.setObject(3, account);
      reserve.setLong(4, amount);
      if (reserve.executeUpdate() != 1) {
        return "account " + account + " no longer has " + amount + " available";
      }
    }
    try (PreparedStatement reopen = connection.prepareStatement(REOPEN_FAILED)) {
      reopen.setTimestamp(1, Timestamp.from(now));
      reopen.setTimestamp(2, Timestamp.from(now.plus(redriveAfter)));
      reopen.setTimestamp(3, Timestamp.from(now));
      reopen.setObject(4, id);
      reopen.setString(5, RETRYABLE.name());
      int rows = reopen.executeUpdate();
      if (rows != 1) {
        throw new IllegalStateException("reopening " + id + " updated " + rows + " rows");
      }
    }
    publish(EventType.TRANSACTION_REQUESTED, id, now);
    return null;
  }

  /** UNKNOWN transactions, oldest first, one line each. */
  List<String> unknown(int limit, Instant now) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(LIST_UNKNOWN)) {
      select.setInt(1, limit);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          Timestamp since = rows.getTimestamp("unknown_since");
          lines.add(
              String.join(
                  "  ",
                  rows.getObject("id", UUID.class).toString(),
                  since == null ? "?" : Duration.between(since.toInstant(), now).withNanos(0).toString(),
                  Integer.toString(rows.getInt("lookups")),
                  rows.getString("external_key"),
                  String.valueOf(rows.getString("bank_reference"))));
        }
      }
    }
    connection.commit();
    return lines;
  }

  /**
   * An operator's decision on an UNKNOWN transaction: COMPLETED with the bank's reference (funds
   * settled) or FAILED (funds released), its final event, and the audit row, in one DB transaction.
   *
   * @return null if done, else why it was refused (nothing changed)
   */
  String resolveUnknown(UUID id, boolean completed, String bankReference, String reason, Instant now, Audit audit)
      throws SQLException {
    String refusal = tryResolveUnknown(id, completed, bankReference, reason, now);
    if (refusal != null) {
      connection.rollback();
      audit.affected(0).outcome("refused: " + refusal);
    } else {
      audit.affected(1).outcome((completed ? "COMPLETED" : "FAILED") + ": " + reason);
    }
    insertAudit(audit, now);
    connection.commit();
    return refusal;
  }

  private String tryResolveUnknown(UUID id, boolean completed, String bankReference, String reason, Instant now)
      throws SQLException {
    UUID account;
    long amount;
    try (PreparedStatement lock = connection.prepareStatement(LOCK_UNKNOWN)) {
      lock.setObject(1, id);
      try (ResultSet row = lock.executeQuery()) {
        if (!row.next()) {
          return "no transaction " + id;
        }
        if (!"UNKNOWN".equals(row.getString("state"))) {
          return "transaction " + id + " is " + row.getString("state") + "; only an UNKNOWN one may be decided";
        }
        account = row.getObject("account_id", UUID.class);
        amount = row.getLong("amount");
      }
    }
    try (PreparedStatement decide = connection.prepareStatement(completed ? COMPLETE_UNKNOWN : FAIL_UNKNOWN)) {
      int i = 1;
      if (completed) {
        decide.setString(i++, bankReference);
      } else {
        decide.setString(i++, FailureCode.OPERATOR_DECISION.name());
        decide.setString(i++, reason.length() > 500 ? reason.substring(0, 500) : reason);
      }
      decide.setTimestamp(i++, Timestamp.from(now));
      decide.setTimestamp(i++, Timestamp.from(now));
      decide.setObject(i, id);
      if (decide.executeUpdate() != 1) {
        throw new IllegalStateException("deciding " + id + " changed no row under its lock");
      }
    }
    try (PreparedStatement funds = connection.prepareStatement(SETTLE_OR_RELEASE)) {
      funds.setLong(1, completed ? amount : 0);
      funds.setLong(2, amount);
      funds.setTimestamp(3, Timestamp.from(now));
      funds.setObject(4, account);
      funds.setLong(5, amount);
      if (funds.executeUpdate() != 1) {
        throw new IllegalStateException("account " + account + " does not hold " + amount + " reserved for " + id);
      }
    }
    publish(completed ? EventType.TRANSACTION_COMPLETED : EventType.TRANSACTION_FAILED, id, now);
    return null;
  }

  /** Each transaction's version: any change to a row raises it. */
  Map<UUID, Long> versions(Collection<UUID> ids) throws SQLException {
    Map<UUID, Long> versions = new HashMap<>();
    try (PreparedStatement select = connection.prepareStatement(VERSIONS)) {
      select.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          versions.put(rows.getObject(1, UUID.class), rows.getLong(2));
        }
      }
    }
    connection.commit();
    return versions;
  }

  void record(Audit audit, Instant now) throws SQLException {
    insertAudit(audit, now);
    connection.commit();
  }

  List<String> recentAudit(int limit) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(RECENT_AUDIT)) {
      select.setInt(1, limit);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          lines.add(
              String.join(
                  "  ",
                  rows.getTimestamp("at").toInstant().toString(),
                  rows.getString("actor"),
                  rows.getString("action"),
                  rows.getString("parameters"),
                  "affected=" + rows.getInt("affected"),
                  rows.getString("outcome")));
        }
      }
    }
    connection.commit();
    return lines;
  }

  private void publish(EventType type, UUID transactionId, Instant now) throws SQLException {
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    String payload = JSON.writeValueAsString(event);
    try (PreparedStatement insert = connection.prepareStatement(INSERT_OUTBOX);
        PreparedStatement delete = connection.prepareStatement(DELETE_OUTBOX)) {
      insert.setObject(1, event.eventId());
      insert.setString(2, type.stream());
      insert.setString(3, transactionId.toString());
      insert.setString(4, type.wireName());
      insert.setString(5, payload);
      insert.executeUpdate();
      delete.setObject(1, event.eventId());
      delete.executeUpdate();
    }
  }

  private void insertAudit(Audit audit, Instant now) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT_AUDIT)) {
      insert.setObject(1, UUID.randomUUID());
      insert.setTimestamp(2, Timestamp.from(now));
      insert.setString(3, audit.actor);
      insert.setString(4, audit.action);
      insert.setString(5, truncate(audit.parameters));
      insert.setInt(6, audit.affected);
      insert.setString(7, truncate(audit.outcome));
      insert.executeUpdate();
    }
  }

  private static String truncate(String text) {
    return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }

  /** Who did what, with which parameters, and how it went. */
  static final class Audit {
    private final String actor;
    private final String action;
    private final String parameters;
    private int affected;
    private String outcome = "";

    Audit(String actor, String action, String parameters) {
      this.actor = actor;
      this.action = action;
      this.parameters = parameters;
    }

    Audit affected(int count) {
      this.affected = count;
      return this;
    }

    Audit outcome(String text) {
      this.outcome = text;
      return this;
    }
  }
}

package dev.onceflow.worker.ops;

import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.LockedTransaction;
import dev.onceflow.store.OutboxWriter;
import dev.onceflow.store.PaymentOutcomes;
import dev.onceflow.store.SpanContextSource;
import dev.onceflow.store.StateSql;
import dev.onceflow.store.TransactionTransitions;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ops commands' database work, on one connection and without a Spring context, so that a
 * command starts in a moment. Every change goes through the transaction store (the same statements
 * the services run: conditional UPDATEs guarded by the state they expect), with its outbox event
 * and its audit row in the same DB transaction.
 */
final class OpsDatabase implements AutoCloseable {

  /** Only failures where the bank confirmed it holds no payment may be tried again. */
  static final FailureCode RETRYABLE = FailureCode.RETRIES_EXHAUSTED;

  private static final String INSERT_AUDIT =
      """
      INSERT INTO ops_audit (id, at, actor, action, parameters, affected, outcome)
      VALUES (:id, :at, :actor, :action, :parameters, :affected, :outcome)
      """;

  private static final String LIST_UNKNOWN =
      StateSql.of(
          """
          SELECT id, unknown_since, lookups, external_key, bank_reference
          FROM transactions
          WHERE state = {UNKNOWN}
          ORDER BY unknown_since
          LIMIT :limit
          """);

  /** The ids as one array literal: a replay may name more transactions than a statement takes parameters. */
  private static final String VERSIONS = "SELECT id, version FROM transactions WHERE id = ANY (CAST(:ids AS uuid[]))";

  private static final String RECENT_AUDIT =
      """
      SELECT at, actor, action, parameters, affected, outcome
      FROM ops_audit
      ORDER BY at DESC
      LIMIT :limit
      """;

  private final SingleConnectionDataSource dataSource;
  private final JdbcClient jdbc;
  private final TransactionTemplate inTransaction;
  private final TransactionTransitions transactions;
  private final AccountFunds funds;
  private final OutboxWriter outbox;
  private final PaymentOutcomes outcomes;

  OpsDatabase(String jdbcUrl, String user, String password) throws SQLException {
    this.dataSource = new SingleConnectionDataSource(jdbcUrl, user, password, true);
    // Connect now: a wrong URL or role is reported in the driver's words before anything runs.
    dataSource.getConnection();
    this.jdbc = JdbcClient.create(dataSource);
    this.inTransaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    this.transactions = new TransactionTransitions(jdbc);
    this.funds = new AccountFunds(jdbc);
    // One trace per command: the workers' handling of the events it writes continues it.
    this.outbox = new OutboxWriter(jdbc, JsonMapper.builder().build(), SpanContextSource.fixed(newTrace()));
    this.outcomes = new PaymentOutcomes(transactions, funds, outbox);
  }

  /** Re-enqueues PENDING transactions created before {@code createdBefore}; returns how many. */
  int redrivePending(Instant createdBefore, Duration redriveAfter, Instant now, Audit audit) {
    return inTransaction.execute(status -> {
      List<UUID> ids = transactions.extendPendingLeasesCreatedBefore(createdBefore, now, now.plus(redriveAfter));
      ids.forEach(id -> outbox.append(EventType.TRANSACTION_REQUESTED, id, now));
      insertAudit(audit.affected(ids.size()).outcome("re-enqueued " + ids.size() + " PENDING transactions"), now);
      return ids.size();
    });
  }

  /**
   * Reopens a transaction that failed with a retryable failure: reserves its funds again and
   * enqueues it. The bank key stays the one the transaction always had.
   *
   * @return null if done, else why it was refused (nothing changed but the audit row)
   */
  String retryFailed(UUID id, Duration redriveAfter, Instant now, Audit audit) {
    return decide(audit, now, () -> {
      Optional<LockedTransaction> locked = transactions.lock(id);
      if (locked.isEmpty()) {
        return "no transaction " + id;
      }
      LockedTransaction tx = locked.get();
      if (tx.state() != TransactionState.FAILED || tx.failureCode() != RETRYABLE) {
        return "transaction " + id + " is " + tx.state()
            + (tx.failureCode() == null ? "" : " (" + tx.failureCode() + ")")
            + "; only FAILED with " + RETRYABLE + " may be retried";
      }
      if (!funds.reserve(tx.accountId(), tx.clientId(), tx.currency(), tx.amount(), now)) {
        return "account " + tx.accountId() + " no longer has " + tx.amount() + " available";
      }
      requireChanged(transactions.reopenFailed(tx, RETRYABLE, now, now.plus(redriveAfter)), id);
      outbox.append(EventType.TRANSACTION_REQUESTED, id, now);
      audit.affected(1).outcome("reopened as PENDING");
      return null;
    });
  }

  /** UNKNOWN transactions, oldest first, one line each. */
  List<String> unknown(int limit, Instant now) {
    return jdbc.sql(LIST_UNKNOWN)
        .param("limit", limit)
        .query((rows, n) -> {
          Timestamp since = rows.getTimestamp("unknown_since");
          return String.join(
              "  ",
              rows.getObject("id", UUID.class).toString(),
              since == null ? "?" : Duration.between(since.toInstant(), now).withNanos(0).toString(),
              Integer.toString(rows.getInt("lookups")),
              rows.getString("external_key"),
              String.valueOf(rows.getString("bank_reference")));
        })
        .list();
  }

  /**
   * An operator's decision on an UNKNOWN transaction: COMPLETED with the bank's reference (funds
   * settled) or FAILED (funds released), its final event, and the audit row, in one DB transaction.
   *
   * @return null if done, else why it was refused (nothing changed but the audit row)
   */
  String resolveUnknown(UUID id, boolean completed, String bankReference, String reason, Instant now, Audit audit) {
    return decide(audit, now, () -> {
      Optional<LockedTransaction> locked = transactions.lock(id);
      if (locked.isEmpty()) {
        return "no transaction " + id;
      }
      LockedTransaction tx = locked.get();
      if (tx.state() != TransactionState.UNKNOWN) {
        return "transaction " + id + " is " + tx.state() + "; only an UNKNOWN one may be decided";
      }
      requireChanged(
          completed
              ? outcomes.complete(tx, bankReference, now)
              : outcomes.fail(tx, FailureCode.OPERATOR_DECISION, reason, now),
          id);
      audit.affected(1).outcome((completed ? "COMPLETED" : "FAILED") + ": " + reason);
      return null;
    });
  }

  /** Each transaction's version: any change to a row raises it. */
  Map<UUID, Long> versions(Collection<UUID> ids) {
    Map<UUID, Long> versions = new HashMap<>();
    jdbc.sql(VERSIONS)
        .param("ids", ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}")))
        .query(rows -> {
          versions.put(rows.getObject(1, UUID.class), rows.getLong(2));
        });
    return versions;
  }

  void record(Audit audit, Instant now) {
    insertAudit(audit, now);
  }

  List<String> recentAudit(int limit) {
    return jdbc.sql(RECENT_AUDIT)
        .param("limit", limit)
        .query((rows, n) -> String.join(
            "  ",
            rows.getTimestamp("at").toInstant().toString(),
            rows.getString("actor"),
            rows.getString("action"),
            rows.getString("parameters"),
            "affected=" + rows.getInt("affected"),
            rows.getString("outcome")))
        .list();
  }

  /**
   * A decision on one row, with its audit row, in one DB transaction; or, refused, rolled back and
   * the refusal audited.
   */
  private String decide(Audit audit, Instant now, Supplier<String> decision) {
    String refusal = inTransaction.execute(status -> {
      String why = decision.get();
      if (why != null) {
        status.setRollbackOnly();
        return why;
      }
      insertAudit(audit, now);
      return null;
    });
    if (refusal != null) {
      record(audit.affected(0).outcome("refused: " + refusal), now);
    }
    return refusal;
  }

  private void insertAudit(Audit audit, Instant now) {
    jdbc.sql(INSERT_AUDIT)
        .param("id", UUID.randomUUID())
        .param("at", Timestamp.from(now))
        .param("actor", audit.actor)
        .param("action", audit.action)
        .param("parameters", truncate(audit.parameters))
        .param("affected", audit.affected)
        .param("outcome", truncate(audit.outcome))
        .update();
  }

  private static void requireChanged(boolean changed, UUID id) {
    if (!changed) {
      throw new IllegalStateException("transaction " + id + " changed no row under its lock");
    }
  }

  private static String truncate(String text) {
    return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
  }

  /** A new W3C trace context, sampled: {@code traceparent: 00-<trace id>-<span id>-01}. */
  private static Map<String, String> newTrace() {
    byte[] ids = new byte[24];
    ThreadLocalRandom.current().nextBytes(ids);
    HexFormat hex = HexFormat.of();
    return Map.of(
        "traceparent", "00-" + hex.formatHex(ids, 0, 16) + "-" + hex.formatHex(ids, 16, 24) + "-01");
  }

  @Override
  public void close() {
    dataSource.destroy();
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

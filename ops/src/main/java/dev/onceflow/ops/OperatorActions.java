package dev.onceflow.ops;

import dev.onceflow.model.AuditActor;
import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.LockedTransaction;
import dev.onceflow.store.OutboxWriter;
import dev.onceflow.store.PaymentOutcomes;
import dev.onceflow.store.SpanContextSource;
import dev.onceflow.store.StateSql;
import dev.onceflow.store.TransactionHistory;
import dev.onceflow.store.TransactionTransitions;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators do to payments, as an API: the ops CLI calls it, and so can other code (a console,
 * a script). Every change goes through the transaction store (the same statements the services run:
 * conditional UPDATEs guarded by the state they expect), with its outbox event and its audit row in
 * the same DB transaction; a refusal changes nothing but its audit row. One database connection and
 * no Spring context, so that an action starts in a moment.
 */
public final class OperatorActions implements AutoCloseable {

  /** How an action went: done, or refused with why (and then nothing changed). */
  public record Decision(String refusal) {
    static final Decision DONE = new Decision(null);

    public boolean done() {
      return refusal == null;
    }
  }

  /** An UNKNOWN transaction, as an operator looks at it before asking the bank. */
  public record UnknownTransaction(
      UUID id, Duration unknownFor, int lookups, String externalKey, String bankReference) {}

  /**
   * A finished replay: its id (in the audit and on every republished record), how many records and
   * transactions it covered and, when it waited, whether the workers consumed them and how many
   * transactions changed (only unfinished ones can).
   */
  public record Replay(String id, int records, int transactions, Boolean consumed, long changed) {}

  /**
   * A payment's history: the states it went through, the events it announced, its bank calls and
   * the ops actions that touched it, each oldest first.
   */
  public record PaymentHistory(
      UUID id,
      List<TransactionHistory.StateChange> states,
      List<TransactionHistory.Event> events,
      List<TransactionHistory.BankCall> calls,
      List<TransactionHistory.Action> actions) {}

  /**
   * A record of the dead-letter topic, as an operator reads it before replaying it: where it is,
   * when it was parked, its key (a transaction id, when it is one) and why the worker parked it.
   */
  public record DeadLetter(
      int partition, long offset, Instant at, String key, String reason, String error) {}

  /** Spring Kafka's header with the exception's message. */
  static final String DEAD_LETTER_ERROR = "kafka_dlt-exception-message";

  /** A page of the dead-letter topic, and the topic's end offset on each partition when read. */
  public record DeadLetters(List<DeadLetter> letters, Map<Integer, Long> ends) {}

  /** Only failures where the bank confirmed it holds no payment may be tried again. */
  public static final FailureCode RETRYABLE = FailureCode.RETRIES_EXHAUSTED;

  private static final String INSERT_AUDIT =
      """
      INSERT INTO ops_audit (id, at, actor, action, parameters, affected, outcome)
      VALUES (:id, :at, :actor, :action, :parameters, :affected, :outcome)
      """;

  /** The array literal, as in VERSIONS: a replay may touch more transactions than parameters. */
  private static final String LINK_AUDIT =
      """
      INSERT INTO ops_audit_transactions (audit_id, transaction_id)
      SELECT :auditId, unnest(CAST(:ids AS uuid[]))
      ON CONFLICT DO NOTHING
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

  /**
   * The ids as one array literal: a replay may name more transactions than a statement takes
   * parameters.
   */
  private static final String VERSIONS =
      "SELECT id, version FROM transactions WHERE id = ANY (CAST(:ids AS uuid[]))";

  private static final String RECENT_AUDIT =
      """
      SELECT at, actor, action, parameters, affected, outcome
      FROM ops_audit
      ORDER BY at DESC
      LIMIT :limit
      """;

  /** The connection this instance opened itself (the CLI's), closed with it; null for a pool. */
  private final SingleConnectionDataSource ownConnection;

  private final JdbcClient jdbc;
  private final TransactionTemplate inTransaction;
  private final TransactionTransitions transactions;
  private final TransactionHistory history;
  private final AccountFunds funds;
  private final OutboxWriter outbox;
  private final PaymentOutcomes outcomes;

  private final String kafka;
  private final Clock clock;

  /**
   * Connects to the database at once (a wrong URL or role is reported in the driver's words before
   * anything runs); Kafka ({@code kafka}, bootstrap servers) only for a replay.
   */
  public OperatorActions(String jdbcUrl, String user, String password, String kafka, Clock clock)
      throws SQLException {
    this(ownConnection(jdbcUrl, user, password), kafka, clock);
  }

  private OperatorActions(SingleConnectionDataSource own, String kafka, Clock clock) {
    this(own, own, kafka, clock);
  }

  /**
   * On a pool the caller owns and names (its connections' application_name is what a payment's
   * history records), e.g. the console's: one instance per action, each with its own trace.
   */
  public OperatorActions(DataSource dataSource, String kafka, Clock clock) {
    this(dataSource, null, kafka, clock);
  }

  private OperatorActions(
      DataSource dataSource, SingleConnectionDataSource own, String kafka, Clock clock) {
    this.ownConnection = own;
    this.kafka = kafka;
    this.clock = clock;
    this.jdbc = JdbcClient.create(dataSource);
    this.inTransaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    this.transactions = new TransactionTransitions(jdbc);
    this.history = new TransactionHistory(jdbc);
    this.funds = new AccountFunds(jdbc);
    // One trace per instance: the workers' handling of the events it writes continues it.
    this.outbox =
        new OutboxWriter(jdbc, JsonMapper.builder().build(), SpanContextSource.fixed(newTrace()));
    this.outcomes = new PaymentOutcomes(transactions, funds, outbox);
  }

  private static SingleConnectionDataSource ownConnection(
      String jdbcUrl, String user, String password) throws SQLException {
    SingleConnectionDataSource connection =
        new SingleConnectionDataSource(jdbcUrl, user, password, true);
    // Names this command in PostgreSQL and in the history of the payments it changes.
    Properties properties = new Properties();
    properties.setProperty("ApplicationName", "ops@" + ProcessHandle.current().pid());
    connection.setConnectionProperties(properties);
    connection.getConnection();
    return connection;
  }

  /** Re-enqueues PENDING transactions created before {@code createdBefore}; returns how many. */
  public int redrivePending(Instant createdBefore, Duration redriveAfter, Audit audit) {
    Instant now = clock.instant();
    return inTransaction.execute(
        status -> {
          List<UUID> ids =
              transactions.extendPendingLeasesCreatedBefore(
                  createdBefore, now, now.plus(redriveAfter));
          ids.forEach(id -> outbox.append(EventType.TRANSACTION_REQUESTED, id, now));
          insertAudit(
              audit
                  .affected(ids.size())
                  .outcome("re-enqueued " + ids.size() + " PENDING transactions"),
              now,
              ids);
          return ids.size();
        });
  }

  /**
   * Re-enqueues one PENDING transaction whose request event seems lost: a new event, and its lease
   * extended so that the sweeper leaves it to that event. A PROCESSING one is the sweeper's once
   * its claim's lease runs out; the workers' claim makes a duplicate event harmless.
   */
  public Decision redrive(UUID id, Duration redriveAfter, Audit audit) {
    Instant now = clock.instant();
    return decide(
        audit,
        now,
        id,
        tx -> {
          if (tx.state() != TransactionState.PENDING) {
            return "transaction "
                + id
                + " is "
                + tx.state()
                + "; only a PENDING one may be re-driven";
          }
          requireChanged(transactions.redrivePending(tx, now, now.plus(redriveAfter)), id);
          outbox.append(EventType.TRANSACTION_REQUESTED, id, now);
          audit.affected(1).outcome("re-enqueued");
          return null;
        });
  }

  /**
   * Reopens a transaction that failed with a retryable failure: reserves its funds again and
   * enqueues it. The bank key stays the one the transaction always had.
   */
  public Decision retryFailed(UUID id, Duration redriveAfter, Audit audit) {
    Instant now = clock.instant();
    return decide(
        audit,
        now,
        id,
        tx -> {
          if (tx.state() != TransactionState.FAILED || tx.failureCode() != RETRYABLE) {
            return "transaction "
                + id
                + " is "
                + tx.state()
                + (tx.failureCode() == null ? "" : " (" + tx.failureCode() + ")")
                + "; only FAILED with "
                + RETRYABLE
                + " may be retried";
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

  /** UNKNOWN transactions, oldest first; {@code unknownFor} is null where the row does not say. */
  public List<UnknownTransaction> unknown(int limit) {
    Instant now = clock.instant();
    return jdbc.sql(LIST_UNKNOWN)
        .param("limit", limit)
        .query(
            (rows, n) -> {
              Timestamp since = rows.getTimestamp("unknown_since");
              return new UnknownTransaction(
                  rows.getObject("id", UUID.class),
                  since == null ? null : Duration.between(since.toInstant(), now).withNanos(0),
                  rows.getInt("lookups"),
                  rows.getString("external_key"),
                  rows.getString("bank_reference"));
            })
        .list();
  }

  /**
   * An operator's decision on an UNKNOWN transaction: COMPLETED with the bank's reference (funds
   * settled) or FAILED (funds released), its final event, and the audit row, in one DB transaction.
   *
   * @param bankReference the bank's payment id, for a completed one
   */
  public Decision resolveUnknown(
      UUID id, boolean completed, String bankReference, String reason, Audit audit) {
    Instant now = clock.instant();
    return decide(
        audit,
        now,
        id,
        tx -> {
          if (tx.state() != TransactionState.UNKNOWN) {
            return "transaction "
                + id
                + " is "
                + tx.state()
                + "; only an UNKNOWN one may be decided";
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

  /** The history of {@code id}; empty if no such transaction ever had one. */
  public Optional<PaymentHistory> history(UUID id) {
    List<TransactionHistory.StateChange> states = history.stateChanges(id);
    if (states.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new PaymentHistory(
            id, states, history.events(id), history.bankCalls(id), history.actions(id)));
  }

  /** Bank calls with no recorded answer, of unfinished payments, oldest first. */
  public List<TransactionHistory.UnansweredCall> unanswered(int limit) {
    return history.unanswered(limit);
  }

  /** Each transaction's version: any change to a row raises it. */
  private Map<UUID, Long> versions(Collection<UUID> ids) {
    Map<UUID, Long> versions = new HashMap<>();
    jdbc.sql(VERSIONS)
        .param("ids", arrayLiteral(ids))
        .query(
            rows -> {
              versions.put(rows.getObject(1, UUID.class), rows.getLong(2));
            });
    return versions;
  }

  /**
   * Publishes the request topic's records again (every partition, from the offset or the timestamp
   * to its current end) for the workers; with {@code wait}, waits up to {@code waitTimeout} for
   * {@code group} to consume them, reporting to {@code progress}, and counts the transactions that
   * changed. Audited before anything is published, and again when it ends.
   */
  public Replay replayRequests(
      Long fromOffset,
      Instant fromTimestamp,
      boolean wait,
      String group,
      Duration waitTimeout,
      Consumer<String> progress,
      Audit audit)
      throws Exception {
    if ((fromOffset == null) == (fromTimestamp == null)) {
      throw new IllegalArgumentException(
          "a replay starts from exactly one of an offset or a timestamp");
    }
    String replayId = UUID.randomUUID().toString();
    try (TopicReplay replay = new TopicReplay(kafka)) {
      List<ConsumerRecord<byte[], byte[]>> records =
          replay.read(Topics.TRANSACTION_REQUESTED, fromOffset, fromTimestamp);
      Set<UUID> transactions = transactionIds(records);
      Map<UUID, Long> before = versions(transactions);
      republishAudited(
          replay,
          records,
          replayId,
          header -> header.equals(TopicReplay.REPLAY_HEADER),
          audit,
          transactions);
      String outcome = finished(replayId, records.size());
      Boolean consumed = null;
      long changed = 0;
      if (wait && !records.isEmpty()) {
        Map<TopicPartition, Long> end = replay.endOffsets(Topics.TRANSACTION_REQUESTED);
        consumed = replay.awaitConsumed(group, end, waitTimeout, progress);
        Map<UUID, Long> after = versions(transactions);
        changed =
            after.entrySet().stream()
                .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                .count();
        outcome += consumed ? "; consumed; transactions changed: " + changed : "; not yet consumed";
      }
      insertAudit(audit.affected(records.size()).outcome(outcome), clock.instant(), transactions);
      return new Replay(replayId, records.size(), transactions.size(), consumed, changed);
    }
  }

  /** Moves the dead-letter topic's records from {@code fromOffset} back onto the request topic. */
  public Replay replayDeadLetters(long fromOffset, Audit audit) throws Exception {
    return replayDeadLetters(fromOffset, Map.of(), audit);
  }

  /**
   * As {@link #replayDeadLetters(long, Audit)}, stopping on each partition before its offset in
   * {@code until}: an approved replay moves what its requester saw ({@link DeadLetters#ends}), not
   * what was parked since.
   */
  public Replay replayDeadLetters(long fromOffset, Map<Integer, Long> until, Audit audit)
      throws Exception {
    String replayId = UUID.randomUUID().toString();
    try (TopicReplay replay = new TopicReplay(kafka)) {
      List<ConsumerRecord<byte[], byte[]>> records =
          replay.read(
              Topics.TRANSACTION_REQUESTED_DEAD_LETTER, fromOffset, null, until, Integer.MAX_VALUE);
      Set<UUID> transactions = transactionIds(records);
      // The dead-letter reasons describe the last failure; the record is retried as it was.
      republishAudited(
          replay,
          records,
          replayId,
          header -> header.startsWith("onceflow-") || header.startsWith("kafka_dlt"),
          audit,
          transactions);
      insertAudit(
          audit.affected(records.size()).outcome(finished(replayId, records.size())),
          clock.instant(),
          transactions);
      return new Replay(replayId, records.size(), transactions.size(), null, 0);
    }
  }

  /**
   * The dead-letter topic as it is now: its end offset on each partition, and up to {@code limit}
   * of each partition's records from {@code fromOffset} up to that end, oldest first.
   */
  public DeadLetters deadLetters(long fromOffset, int limit) throws Exception {
    try (TopicReplay replay = new TopicReplay(kafka)) {
      Map<Integer, Long> ends = new TreeMap<>();
      replay
          .endOffsets(Topics.TRANSACTION_REQUESTED_DEAD_LETTER)
          .forEach((partition, end) -> ends.put(partition.partition(), end));
      List<DeadLetter> letters =
          replay
              .read(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, fromOffset, null, ends, limit)
              .stream()
              .map(
                  record ->
                      new DeadLetter(
                          record.partition(),
                          record.offset(),
                          Instant.ofEpochMilli(record.timestamp()),
                          record.key() == null
                              ? null
                              : new String(record.key(), StandardCharsets.UTF_8),
                          header(record, Topics.DEAD_LETTER_REASON_HEADER),
                          header(record, DEAD_LETTER_ERROR)))
              .toList();
      return new DeadLetters(letters, ends);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The latest audited actions, newest first. */
  public List<TransactionHistory.Action> recentAudit(int limit) {
    return jdbc.sql(RECENT_AUDIT)
        .param("limit", limit)
        .query((rows, n) -> TransactionHistory.action(rows))
        .list();
  }

  /**
   * Publishes the records onto the request topic, marked with the replay's id, after the audit's
   * "started" row: an interrupted replay still leaves its trace (no "finished" row with its id).
   */
  private void republishAudited(
      TopicReplay replay,
      List<ConsumerRecord<byte[], byte[]>> records,
      String replayId,
      Predicate<String> dropHeader,
      Audit audit,
      Set<UUID> transactions)
      throws Exception {
    insertAudit(
        audit
            .affected(records.size())
            .outcome("started replay " + replayId + ": publishing " + records.size() + " records"),
        clock.instant(),
        transactions);
    replay.republish(records, Topics.TRANSACTION_REQUESTED, replayId, dropHeader);
  }

  private static String finished(String replayId, int records) {
    return "finished replay " + replayId + ": republished " + records + " records";
  }

  private static Set<UUID> transactionIds(List<ConsumerRecord<byte[], byte[]>> records) {
    Set<UUID> ids = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (record.key() == null) {
        continue;
      }
      try {
        ids.add(UUID.fromString(new String(record.key(), StandardCharsets.UTF_8)));
      } catch (IllegalArgumentException e) {
        // not a transaction key: the workers dead-letter it again
      }
    }
    return ids;
  }

  /**
   * A decision on one row, locked first, with its audit row, in one DB transaction; or, refused,
   * rolled back and the refusal audited. Either way the audit row is linked to the transaction, and
   * a state it changes is recorded in its history as this action's.
   */
  private Decision decide(
      Audit audit, Instant now, UUID id, Function<LockedTransaction, String> decision) {
    String refusal =
        inTransaction.execute(
            status -> {
              Optional<LockedTransaction> locked = transactions.lock(id);
              if (locked.isEmpty()) {
                status.setRollbackOnly();
                return "no transaction " + id;
              }
              history.because(
                  "ops " + audit.action + " by " + audit.actor + ": " + audit.parameters);
              String why = decision.apply(locked.get());
              if (why != null) {
                status.setRollbackOnly();
                return why;
              }
              insertAudit(audit, now, List.of(id));
              return null;
            });
    if (refusal != null) {
      insertAudit(
          audit.affected(0).outcome("refused: " + refusal),
          now,
          refusal.startsWith("no transaction ") ? List.of() : List.of(id));
      return new Decision(refusal);
    }
    return Decision.DONE;
  }

  /** The audit row, linked to the transactions the action touched (or refused to). */
  private void insertAudit(Audit audit, Instant now, Collection<UUID> touched) {
    UUID auditId = UUID.randomUUID();
    jdbc.sql(INSERT_AUDIT)
        .param("id", auditId)
        .param("at", Timestamp.from(now))
        .param("actor", audit.actor)
        .param("action", audit.action)
        .param("parameters", truncate(audit.parameters))
        .param("affected", audit.affected)
        .param("outcome", truncate(audit.outcome))
        .update();
    if (!touched.isEmpty()) {
      jdbc.sql(LINK_AUDIT).param("auditId", auditId).param("ids", arrayLiteral(touched)).update();
    }
  }

  private static String arrayLiteral(Collection<UUID> ids) {
    return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
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
        "traceparent",
        "00-" + hex.formatHex(ids, 0, 16) + "-" + hex.formatHex(ids, 16, 24) + "-01");
  }

  @Override
  public void close() {
    if (ownConnection != null) {
      ownConnection.destroy();
    }
  }

  /**
   * The audit row of one action: who did it (1 to 64 letters, digits or {@code . _ @ + -}), what,
   * with which parameters; the action fills in how many rows it affected and how it went.
   */
  public static final class Audit {
    private final String actor;
    private final String action;
    private final String parameters;
    private int affected;
    private String outcome = "";

    public Audit(String actor, String action, String parameters) {
      if (!AuditActor.isValid(actor)) {
        throw new IllegalArgumentException(
            "the actor must be " + AuditActor.RULE + " (it names who acted in the audit)");
      }
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

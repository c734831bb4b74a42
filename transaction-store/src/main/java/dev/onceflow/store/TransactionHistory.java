package dev.onceflow.store;

import static dev.onceflow.store.StateSql.instant;
import static dev.onceflow.store.StateSql.utc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A payment's durable history: the states it went through ({@code transaction_history}, written by
 * a trigger in the DB transaction of each change), its bank calls ({@link BankCalls}), the events
 * it announced ({@code transaction_events}, written by a trigger on the outbox) and the ops actions
 * that touched it ({@code ops_audit_transactions}); and its purge once the payment is final and
 * older than the retention.
 */
public final class TransactionHistory {

  /** One state a transaction entered: when, from which, by whom and why. */
  public record StateChange(
      Instant at,
      String fromState,
      String toState,
      String component,
      String instance,
      String reason) {}

  /** One journaled bank call; {@code endedAt} null while no answer was recorded. */
  public record BankCall(
      long id,
      String kind,
      int attempt,
      String externalKey,
      String instance,
      Instant startedAt,
      Instant endedAt,
      String outcome,
      Integer httpStatus,
      Integer latencyMs,
      String bankReference,
      String error) {

    /**
     * What the call got, in the words operators read everywhere (the ops CLI, the console): its
     * outcome, HTTP status, latency, bank reference and error, or "call started, no answer for
     * 1m2s".
     */
    public String answer(Instant now) {
      if (endedAt == null) {
        return "call started, no answer for " + age(startedAt, now);
      }
      StringBuilder text = new StringBuilder(String.valueOf(outcome));
      if (httpStatus != null) {
        text.append(", HTTP ").append(httpStatus);
      }
      if (latencyMs != null) {
        text.append(", ").append(latencyMs).append(" ms");
      }
      if (bankReference != null) {
        text.append(", bank reference ").append(bankReference);
      }
      if (error != null) {
        text.append(": ").append(error);
      }
      return text.toString();
    }
  }

  /** How long since {@code since}, to the second: {@code 1h2m3s}. */
  public static String age(Instant since, Instant now) {
    return Duration.between(since, now).withNanos(0).toString().substring(2).toLowerCase();
  }

  /**
   * A journaled call with no answer recorded, of a payment that is not final: its fate hangs on it.
   */
  public record UnansweredCall(BankCall call, UUID transactionId, String state) {}

  /** One event the payment announced through the outbox, by the service instance that wrote it. */
  public record Event(UUID eventId, String type, Instant at, String instance) {}

  /** One audited ops action (a row of {@code ops_audit}). */
  public record Action(
      Instant at, String actor, String action, String parameters, int affected, String outcome) {}

  static final String BECAUSE = "SELECT set_config('onceflow.reason', :reason, true)";

  static final String STATE_CHANGES =
      """
      SELECT at, from_state, to_state, component, instance, reason
      FROM transaction_history
      WHERE transaction_id = :id
      ORDER BY id
      """;

  static final String BANK_CALLS =
      """
      SELECT id, kind, attempt, external_key, instance, started_at, ended_at, outcome, http_status,
             latency_ms, bank_reference, error
      FROM bank_calls
      WHERE transaction_id = :id
      ORDER BY id
      """;

  /** A call with no recorded answer, of a payment that is not final: the one rule for both. */
  private static final String UNANSWERED_CALLS =
      StateSql.of(
          """
          FROM bank_calls c
          JOIN transactions t ON t.id = c.transaction_id
          WHERE c.ended_at IS NULL
            AND t.state NOT IN ({COMPLETED}, {FAILED}, {CANCELLED})
          """);

  static final String UNANSWERED =
      """
      SELECT c.id, c.kind, c.attempt, c.external_key, c.instance, c.started_at, c.ended_at,
             c.outcome, c.http_status, c.latency_ms, c.bank_reference, c.error,
             c.transaction_id, t.state
      """
          + UNANSWERED_CALLS
          + """
          ORDER BY c.started_at
          LIMIT :limit
          """;

  static final String COUNT_UNANSWERED = "SELECT count(*)\n" + UNANSWERED_CALLS;

  static final String EVENTS =
      """
      SELECT event_id, type, at, instance
      FROM transaction_events
      WHERE transaction_id = :id
      ORDER BY at, event_id
      """;

  static final String TRANSACTION_OF_EVENT =
      "SELECT transaction_id FROM transaction_events WHERE event_id = :eventId";

  static final String ACTIONS =
      """
      SELECT a.at, a.actor, a.action, a.parameters, a.affected, a.outcome
      FROM ops_audit_transactions l
      JOIN ops_audit a ON a.id = l.audit_id
      WHERE l.transaction_id = :id
      ORDER BY a.at, a.id
      """;

  /**
   * The history of final payments whose last change is older than {@code before}, a batch at a
   * time, from {@code table} (rows named by {@code key}, dated by {@code column}); an unfinished
   * payment keeps all of it, however old.
   */
  private static String purgeOf(String table, String key, String column) {
    return StateSql.of(
        """
        DELETE FROM %1$s
        WHERE %2$s IN (
            SELECT h.%2$s
            FROM %1$s h
            JOIN transactions t ON t.id = h.transaction_id
            WHERE h.%3$s < :before
              AND t.state IN ({COMPLETED}, {FAILED}, {CANCELLED})
              AND t.updated_at < :before
            LIMIT :batchSize
        )
        """
            .formatted(table, key, column));
  }

  static final String PURGE_STATE_CHANGES = purgeOf("transaction_history", "id", "at");

  static final String PURGE_BANK_CALLS = purgeOf("bank_calls", "id", "started_at");

  static final String PURGE_EVENTS = purgeOf("transaction_events", "event_id", "at");

  private final JdbcClient jdbc;

  public TransactionHistory(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The reason every state change of the caller's DB transaction is recorded with, instead of what
   * the row says (an operator's action, the sweeper's recovery). Needs a DB transaction: outside
   * one, it ends with the statement.
   */
  public void because(String reason) {
    jdbc.sql(BECAUSE).param("reason", reason).query(String.class).single();
  }

  /** The states {@code id} went through, oldest first. */
  public List<StateChange> stateChanges(UUID id) {
    return jdbc.sql(STATE_CHANGES)
        .param("id", id)
        .query(
            (rows, n) ->
                new StateChange(
                    instant(rows, "at"),
                    rows.getString("from_state"),
                    rows.getString("to_state"),
                    rows.getString("component"),
                    rows.getString("instance"),
                    rows.getString("reason")))
        .list();
  }

  /** The bank calls made for {@code id}, oldest first. */
  public List<BankCall> bankCalls(UUID id) {
    return jdbc.sql(BANK_CALLS).param("id", id).query((rows, n) -> bankCall(rows)).list();
  }

  private static BankCall bankCall(ResultSet rows) throws SQLException {
    return new BankCall(
        rows.getLong("id"),
        rows.getString("kind"),
        rows.getInt("attempt"),
        rows.getString("external_key"),
        rows.getString("instance"),
        instant(rows, "started_at"),
        instant(rows, "ended_at"),
        rows.getString("outcome"),
        rows.getObject("http_status", Integer.class),
        rows.getObject("latency_ms", Integer.class),
        rows.getString("bank_reference"),
        rows.getString("error"));
  }

  /**
   * Bank calls started and never answered (or whose answer was never recorded) of payments that are
   * not final, oldest first: the payments whose fate depends on what the bank did.
   */
  public List<UnansweredCall> unanswered(int limit) {
    return jdbc.sql(UNANSWERED)
        .param("limit", limit)
        .query(
            (rows, n) ->
                new UnansweredCall(
                    bankCall(rows),
                    rows.getObject("transaction_id", UUID.class),
                    rows.getString("state")))
        .list();
  }

  /** How many calls {@link #unanswered} would list without a limit. */
  public long countUnanswered() {
    return jdbc.sql(COUNT_UNANSWERED).query(Long.class).single();
  }

  /** The events {@code id} announced, oldest first. */
  public List<Event> events(UUID id) {
    return jdbc.sql(EVENTS)
        .param("id", id)
        .query(
            (rows, n) ->
                new Event(
                    rows.getObject("event_id", UUID.class),
                    rows.getString("type"),
                    instant(rows, "at"),
                    rows.getString("instance")))
        .list();
  }

  /** The transaction an outbox event ({@code eventId}) was about; empty if none was recorded. */
  public Optional<UUID> transactionOfEvent(UUID eventId) {
    return jdbc.sql(TRANSACTION_OF_EVENT).param("eventId", eventId).query(UUID.class).optional();
  }

  /** The ops actions linked to {@code id}, oldest first. */
  public List<Action> actions(UUID id) {
    return jdbc.sql(ACTIONS).param("id", id).query((rows, n) -> action(rows)).list();
  }

  /** An {@code ops_audit} row. */
  public static Action action(ResultSet rows) throws SQLException {
    return new Action(
        instant(rows, "at"),
        rows.getString("actor"),
        rows.getString("action"),
        rows.getString("parameters"),
        rows.getInt("affected"),
        rows.getString("outcome"));
  }

  /**
   * Deletes up to {@code batchSize} state changes, as many bank calls and as many events; how many
   * rows went.
   */
  public int purge(Instant before, int batchSize) {
    int deleted = 0;
    for (String purge : List.of(PURGE_STATE_CHANGES, PURGE_BANK_CALLS, PURGE_EVENTS)) {
      deleted +=
          jdbc.sql(purge).param("before", utc(before)).param("batchSize", batchSize).update();
    }
    return deleted;
  }
}

package dev.onceflow.console.action;

import static dev.onceflow.store.StateSql.instant;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Bulk actions waiting for a second operator ({@code ops_approvals}, V15__console.sql). Each step
 * is one conditional UPDATE guarded by the state it expects, like a payment's: of two operators who
 * approve at once, one wins and the action runs once; and an approver who is the requester, in
 * whatever case, changes nothing (the table's CHECK refuses it too).
 */
@Component
class Approvals {

  /** The bulk actions that need approval, by the ops commands' names for them. */
  enum Action {
    REPLAY_DEAD_LETTERS("replay-dead-letters"),
    REDRIVE_PENDING("redrive-pending");

    final String command;

    Action(String command) {
      this.command = command;
    }

    static Action of(String command) {
      for (Action action : values()) {
        if (action.command.equals(command)) {
          return action;
        }
      }
      throw new IllegalArgumentException("not an approvable action: " + command);
    }
  }

  /** One request, and what became of it. */
  record Approval(
      UUID id,
      String action,
      String parameters,
      String summary,
      String requestedBy,
      Instant requestedAt,
      String state,
      String decidedBy,
      Instant decidedAt,
      String outcome) {

    public boolean open() {
      return state.equals("REQUESTED");
    }

    public boolean requestedBy(String operator) {
      return requestedBy.equalsIgnoreCase(operator);
    }
  }

  static final String REQUEST =
      """
      INSERT INTO ops_approvals (id, action, parameters, summary, requested_by, requested_at, state)
      VALUES (:id, :action, CAST(:parameters AS jsonb), :summary, :requestedBy, :at, 'REQUESTED')
      """;

  static final String APPROVE =
      """
      UPDATE ops_approvals
      SET state = 'APPROVED', decided_by = :operator, decided_at = :at
      WHERE id = :id
        AND state = 'REQUESTED'
        AND lower(requested_by) <> lower(:operator)
      """;

  static final String REJECT =
      """
      UPDATE ops_approvals
      SET state = 'REJECTED', decided_by = :operator, decided_at = :at, outcome = :outcome
      WHERE id = :id
        AND state = 'REQUESTED'
        AND lower(requested_by) <> lower(:operator)
      """;

  static final String WITHDRAW =
      """
      UPDATE ops_approvals
      SET state = 'WITHDRAWN', decided_by = :operator, decided_at = :at, outcome = 'withdrawn'
      WHERE id = :id
        AND state = 'REQUESTED'
        AND lower(requested_by) = lower(:operator)
      """;

  /** The approved action ran: DONE or FAILED, with what it did or why not. */
  static final String FINISH =
      """
      UPDATE ops_approvals
      SET state = :state, outcome = :outcome
      WHERE id = :id
        AND state = 'APPROVED'
      """;

  private static final String COLUMNS =
      """
      SELECT id, action, parameters::text AS parameters, summary, requested_by, requested_at, state,
             decided_by, decided_at, outcome
      FROM ops_approvals
      """;

  static final String FIND = COLUMNS + "WHERE id = :id";

  /** Waiting for a decision, or approved and still running (or stopped before it finished). */
  static final String OPEN =
      COLUMNS + "WHERE state IN ('REQUESTED', 'APPROVED')\nORDER BY requested_at\nLIMIT :limit";

  static final String DECIDED =
      COLUMNS
          + "WHERE state NOT IN ('REQUESTED', 'APPROVED')\nORDER BY requested_at DESC\nLIMIT :limit";

  private final JdbcClient jdbc;

  Approvals(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  UUID request(Action action, String parameters, String summary, String operator, Instant at) {
    UUID id = UUID.randomUUID();
    jdbc.sql(REQUEST)
        .param("id", id)
        .param("action", action.command)
        .param("parameters", parameters)
        .param("summary", summary)
        .param("requestedBy", operator)
        .param("at", Timestamp.from(at))
        .update();
    return id;
  }

  /** True if this operator's approval won: the caller runs the action, then {@link #finish}. */
  boolean approve(UUID id, String operator, Instant at) {
    return decide(APPROVE, id, operator, at).update() == 1;
  }

  boolean reject(UUID id, String operator, String why, Instant at) {
    return decide(REJECT, id, operator, at).param("outcome", "rejected: " + why).update() == 1;
  }

  boolean withdraw(UUID id, String operator, Instant at) {
    return decide(WITHDRAW, id, operator, at).update() == 1;
  }

  void finish(UUID id, boolean done, String outcome) {
    jdbc.sql(FINISH)
        .param("id", id)
        .param("state", done ? "DONE" : "FAILED")
        .param("outcome", outcome.length() <= 1000 ? outcome : outcome.substring(0, 997) + "...")
        .update();
  }

  Optional<Approval> find(UUID id) {
    return jdbc.sql(FIND).param("id", id).query((rows, n) -> approval(rows)).optional();
  }

  List<Approval> open(int limit) {
    return jdbc.sql(OPEN).param("limit", limit).query((rows, n) -> approval(rows)).list();
  }

  List<Approval> decided(int limit) {
    return jdbc.sql(DECIDED).param("limit", limit).query((rows, n) -> approval(rows)).list();
  }

  private JdbcClient.StatementSpec decide(String sql, UUID id, String operator, Instant at) {
    return jdbc.sql(sql)
        .param("id", id)
        .param("operator", operator)
        .param("at", Timestamp.from(at));
  }

  private static Approval approval(ResultSet rows) throws SQLException {
    return new Approval(
        rows.getObject("id", UUID.class),
        rows.getString("action"),
        rows.getString("parameters"),
        rows.getString("summary"),
        rows.getString("requested_by"),
        instant(rows, "requested_at"),
        rows.getString("state"),
        rows.getString("decided_by"),
        instant(rows, "decided_at"),
        rows.getString("outcome"));
  }
}

package dev.onceflow.console.list;

import static dev.onceflow.store.StateSql.instant;

import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.StateSql;
import dev.onceflow.store.TransactionHistory;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The lists' statements, each served by an index of its own (V15__console.sql). */
@Component
public class PaymentLists {

  /** Rows on one page of a list. */
  static final int PAGE = 50;

  /** The states a payment can be stuck in: not final, and past intake. */
  static final List<TransactionState> UNFINISHED =
      List.of(TransactionState.PENDING, TransactionState.PROCESSING, TransactionState.UNKNOWN);

  /**
   * Unfinished payments unchanged since {@code before}, the longest unchanged first; with whether
   * their lease ran out (the sweeper's to recover) and whether a bank call of theirs went
   * unanswered. {@code :state} null lists all three states.
   */
  static final String STUCK =
      StateSql.of(
          """
          SELECT t.id, t.state, t.updated_at, t.unknown_since, t.attempts, t.lookups,
                 t.lease_until <= :now AS lease_expired, t.failure_detail,
                 EXISTS (SELECT 1 FROM bank_calls c
                         WHERE c.transaction_id = t.id AND c.ended_at IS NULL) AS unanswered
          FROM transactions t
          WHERE t.state IN ({PENDING}, {PROCESSING}, {UNKNOWN})
            AND (CAST(:state AS varchar) IS NULL OR t.state = :state)
            AND t.updated_at < :before
            AND (CAST(:afterAt AS timestamptz) IS NULL OR (t.updated_at, t.id) > (:afterAt, :afterId))
          ORDER BY t.updated_at, t.id
          LIMIT :limit
          """);

  /** FAILED payments, newest first; {@code :code} null lists every code. */
  static final String FAILED =
      StateSql.of(
          """
          SELECT id, failure_code, failure_detail, updated_at, amount, currency, attempts
          FROM transactions
          WHERE state = {FAILED}
            AND (CAST(:code AS varchar) IS NULL OR failure_code = :code)
            AND (CAST(:afterAt AS timestamptz) IS NULL OR (updated_at, id) < (:afterAt, :afterId))
          ORDER BY updated_at DESC, id DESC
          LIMIT :limit
          """);

  static final String FAILED_BY_CODE =
      StateSql.of(
          """
          SELECT failure_code, count(*) AS transactions
          FROM transactions
          WHERE state = {FAILED}
          GROUP BY failure_code
          """);

  static final String PENDING_CREATED_BEFORE =
      StateSql.of(
          "SELECT count(*) FROM transactions WHERE state = {PENDING} AND created_at < :before");

  /**
   * A payment that has not moved: {@code age} since its last change (for UNKNOWN, since its outcome
   * became unknown), and what the row says about why.
   */
  record Stuck(
      UUID id,
      String state,
      Instant updatedAt,
      String age,
      int attempts,
      int lookups,
      boolean leaseExpired,
      boolean unanswered,
      String detail) {}

  record Failed(
      UUID id,
      String code,
      String detail,
      Instant at,
      long amount,
      String currency,
      int attempts) {}

  /** A page: its rows, and the cursor of the next page when there may be one. */
  record Page<T>(List<T> rows, String next) {}

  private final JdbcClient jdbc;
  private final Clock clock;

  PaymentLists(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  Page<Stuck> stuck(TransactionState state, Duration unchangedFor, Optional<Cursor> after) {
    Instant now = clock.instant();
    List<Stuck> rows =
        jdbc.sql(STUCK)
            .param("now", Timestamp.from(now))
            .param("state", state == null ? null : state.name())
            .param("before", Timestamp.from(now.minus(unchangedFor)))
            .param("afterAt", after.map(c -> Timestamp.from(c.at())).orElse(null))
            .param("afterId", after.map(Cursor::id).orElse(null))
            .param("limit", PAGE)
            .query(
                (row, n) -> {
                  Instant updated = instant(row, "updated_at");
                  Instant unknownSince = instant(row, "unknown_since");
                  Instant since = unknownSince != null ? unknownSince : updated;
                  return new Stuck(
                      row.getObject("id", UUID.class),
                      row.getString("state"),
                      updated,
                      TransactionHistory.age(since, now),
                      row.getInt("attempts"),
                      row.getInt("lookups"),
                      row.getBoolean("lease_expired"),
                      row.getBoolean("unanswered"),
                      row.getString("failure_detail"));
                })
            .list();
    return page(rows, last -> new Cursor(last.updatedAt(), last.id()));
  }

  Page<Failed> failed(FailureCode code, Optional<Cursor> after) {
    List<Failed> rows =
        jdbc.sql(FAILED)
            .param("code", code == null ? null : code.name())
            .param("afterAt", after.map(c -> Timestamp.from(c.at())).orElse(null))
            .param("afterId", after.map(Cursor::id).orElse(null))
            .param("limit", PAGE)
            .query(
                (row, n) ->
                    new Failed(
                        row.getObject("id", UUID.class),
                        row.getString("failure_code"),
                        row.getString("failure_detail"),
                        instant(row, "updated_at"),
                        row.getLong("amount"),
                        row.getString("currency"),
                        row.getInt("attempts")))
            .list();
    return page(rows, last -> new Cursor(last.at(), last.id()));
  }

  /** Every failure code with its count, zero where none failed with it. */
  Map<String, Long> failedByCode() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (FailureCode code : FailureCode.values()) {
      counts.put(code.name(), 0L);
    }
    jdbc.sql(FAILED_BY_CODE)
        .query(
            row -> {
              counts.put(row.getString("failure_code"), row.getLong("transactions"));
            });
    return counts;
  }

  /** How many PENDING payments a bulk re-drive of those created before {@code before} covers. */
  public long pendingCreatedBefore(Instant before) {
    return jdbc.sql(PENDING_CREATED_BEFORE)
        .param("before", Timestamp.from(before))
        .query(Long.class)
        .single();
  }

  private static <T> Page<T> page(List<T> rows, Function<T, Cursor> cursor) {
    return new Page<>(
        rows, rows.size() < PAGE ? null : cursor.apply(rows.get(rows.size() - 1)).toString());
  }
}

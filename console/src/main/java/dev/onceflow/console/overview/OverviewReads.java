package dev.onceflow.console.overview;

import static dev.onceflow.store.StateSql.instant;

import dev.onceflow.console.PipelineSettings;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.StateSql;
import dev.onceflow.store.TransactionHistory;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What the overview reads from PostgreSQL, each statement here as a constant: the counts by state,
 * the oldest UNKNOWN, the throughput and completion latency from the history, and the relay's
 * replication slot and heartbeat. Read-only, with the console's (ops) role.
 */
@Component
class OverviewReads {

  static final String COUNT_BY_STATE =
      "SELECT state, count(*) AS transactions FROM transactions GROUP BY state";

  /** unknown_since is null only on rows that went UNKNOWN before it was recorded: listed last. */
  static final String OLDEST_UNKNOWN =
      StateSql.of(
          """
          SELECT id, unknown_since
          FROM transactions
          WHERE state = {UNKNOWN}
          ORDER BY unknown_since
          LIMIT 1
          """);

  /**
   * Payments that reached a final state in the window, each counted once (a reopened payment may
   * fail twice). The range on {@code at} uses its index; the window's bounds come from the
   * console's clock, not the database's now().
   */
  static final String FINISHED =
      StateSql.of(
          """
          SELECT count(DISTINCT transaction_id) FILTER (WHERE at >= :lastMinute) AS last_minute,
                 count(DISTINCT transaction_id) AS last_quarter
          FROM transaction_history
          WHERE at >= :lastQuarter
            AND at <= :now
            AND to_state IN ({COMPLETED}, {FAILED})
          """);

  /**
   * From creation to COMPLETED, for the payments that completed in the window; percentile_cont
   * interpolates, so a p95 of few payments lies between two of them rather than on the slowest.
   */
  static final String COMPLETION_LATENCY =
      StateSql.of(
          """
          SELECT count(*) AS completed,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.at - t.created_at)) AS p50,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM h.at - t.created_at)) AS p95
          FROM transaction_history h
          JOIN transactions t ON t.id = h.transaction_id
          WHERE h.at >= :lastQuarter
            AND h.at <= :now
            AND h.to_state = {COMPLETED}
          """);

  /**
   * The relay's slot. pg_replication_slots and pg_current_wal_lsn() are open to every role. A slot
   * that never confirmed a position has a null confirmed_flush_lsn, hence a null lag.
   */
  static final String RELAY_SLOT =
      """
      SELECT active,
             pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS flush_lag,
             pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained_wal
      FROM pg_replication_slots
      WHERE slot_name = :slot
      """;

  static final String HEARTBEAT = "SELECT beat_at FROM relay_heartbeat WHERE id = 1";

  /** The UNKNOWN payment that has waited longest; {@code since} null where the row does not say. */
  record OldestUnknown(UUID id, Instant since, String age) {}

  /** Payments that reached COMPLETED or FAILED in the last minute and the last 15 minutes. */
  record Throughput(long lastMinute, long lastQuarter) {}

  /** Creation to completion over the last 15 minutes; p50 and p95 null when none completed. */
  record Latency(long completed, String p50, String p95) {}

  /**
   * The relay's replication slot; {@code exists} false when there is none of that name. Lag and
   * retained WAL are written readably, or null where the slot has no position yet.
   */
  record RelaySlot(
      String name, boolean exists, boolean active, String flushLag, String retainedWal) {

    static RelaySlot absent(String name) {
      return new RelaySlot(name, false, false, null, null);
    }
  }

  /** The relay's heartbeat: its age, or null when the row is missing. */
  record Heartbeat(Instant at, String age) {}

  private final JdbcClient jdbc;
  private final TransactionHistory history;
  private final String slotName;

  OverviewReads(JdbcClient jdbc, PipelineSettings settings) {
    this.jdbc = jdbc;
    this.history = new TransactionHistory(jdbc);
    this.slotName = settings.relaySlotName();
  }

  /** Every state listed, zero where none is in it, in the enum's order. */
  Map<String, Long> countByState() {
    Map<String, Long> byState = new LinkedHashMap<>();
    for (TransactionState state : TransactionState.values()) {
      byState.put(state.name(), 0L);
    }
    jdbc.sql(COUNT_BY_STATE)
        .query(
            rows -> {
              byState.put(rows.getString("state"), rows.getLong("transactions"));
            });
    return byState;
  }

  OldestUnknown oldestUnknown(Instant now) {
    return jdbc.sql(OLDEST_UNKNOWN)
        .query(
            (rows, n) -> {
              Instant since = instant(rows, "unknown_since");
              return new OldestUnknown(
                  rows.getObject("id", UUID.class),
                  since,
                  since == null ? null : TransactionHistory.age(since, now));
            })
        .optional()
        .orElse(null);
  }

  long unansweredCalls() {
    return history.countUnanswered();
  }

  Throughput throughput(Instant now) {
    return jdbc.sql(FINISHED)
        .param("lastMinute", utc(now.minus(Duration.ofMinutes(1))))
        .param("lastQuarter", utc(now.minus(Duration.ofMinutes(15))))
        .param("now", utc(now))
        .query(
            (rows, n) -> new Throughput(rows.getLong("last_minute"), rows.getLong("last_quarter")))
        .single();
  }

  Latency latency(Instant now) {
    return jdbc.sql(COMPLETION_LATENCY)
        .param("lastQuarter", utc(now.minus(Duration.ofMinutes(15))))
        .param("now", utc(now))
        .query(
            (rows, n) -> {
              long completed = rows.getLong("completed");
              if (completed == 0) {
                return new Latency(0, null, null);
              }
              return new Latency(
                  completed,
                  Figures.duration(Figures.seconds(rows.getDouble("p50"))),
                  Figures.duration(Figures.seconds(rows.getDouble("p95"))));
            })
        .single();
  }

  RelaySlot relaySlot() {
    return jdbc.sql(RELAY_SLOT)
        .param("slot", slotName)
        .query(
            (rows, n) ->
                new RelaySlot(
                    slotName,
                    true,
                    rows.getBoolean("active"),
                    bytes(rows.getObject("flush_lag", Long.class)),
                    bytes(rows.getObject("retained_wal", Long.class))))
        .optional()
        .orElse(RelaySlot.absent(slotName));
  }

  Heartbeat heartbeat(Instant now) {
    return jdbc.sql(HEARTBEAT)
        .query(
            (rows, n) -> {
              Instant at = instant(rows, "beat_at");
              return new Heartbeat(at, TransactionHistory.age(at, now));
            })
        .optional()
        .orElse(new Heartbeat(null, null));
  }

  private static String bytes(Long bytes) {
    return bytes == null ? null : Figures.bytes(bytes);
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}

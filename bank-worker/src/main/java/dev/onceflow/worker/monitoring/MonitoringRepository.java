package dev.onceflow.worker.monitoring;

import dev.onceflow.model.TransactionState;
import dev.onceflow.store.StateSql;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Counts for the gauges; read-only. */
@Repository
class MonitoringRepository {

  private static final String COUNT_BY_STATE =
      "SELECT state, count(*) AS count FROM transactions GROUP BY state";

  /**
   * PROCESSING rows whose claim ran out: their worker died or hung, and no sweep has released them.
   */
  private static final String COUNT_EXPIRED_LEASES =
      StateSql.of(
          "SELECT count(*) FROM transactions WHERE state = {PROCESSING} AND lease_until < :now");

  /** PENDING rows that have been due since before {@code dueBefore} and are still not claimed. */
  private static final String COUNT_OVERDUE =
      StateSql.of(
          "SELECT count(*) FROM transactions WHERE state = {PENDING} AND next_attempt_at < :dueBefore");

  /** When the oldest UNKNOWN transaction became UNKNOWN; null when there is none. */
  private static final String OLDEST_UNKNOWN_SINCE =
      StateSql.of("SELECT min(unknown_since) FROM transactions WHERE state = {UNKNOWN}");

  private final JdbcClient jdbc;

  MonitoringRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  Map<TransactionState, Long> countByState() {
    Map<TransactionState, Long> counts = new EnumMap<>(TransactionState.class);
    jdbc.sql(COUNT_BY_STATE)
        .query(
            rows -> {
              counts.put(TransactionState.valueOf(rows.getString("state")), rows.getLong("count"));
            });
    return counts;
  }

  long countExpiredLeases(Instant now) {
    return jdbc.sql(COUNT_EXPIRED_LEASES)
        .param("now", Timestamp.from(now))
        .query(Long.class)
        .single();
  }

  long countOverdue(Instant dueBefore) {
    return jdbc.sql(COUNT_OVERDUE)
        .param("dueBefore", Timestamp.from(dueBefore))
        .query(Long.class)
        .single();
  }

  Instant oldestUnknownSince() {
    // min() of no rows is one row holding null.
    Timestamp oldest =
        jdbc.sql(OLDEST_UNKNOWN_SINCE).query((rows, n) -> rows.getTimestamp(1)).list().get(0);
    return oldest == null ? null : oldest.toInstant();
  }
}

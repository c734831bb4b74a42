package dev.onceflow.relay.cdc;

import java.util.OptionalLong;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How much WAL the relay's replication slot holds back: PostgreSQL keeps every byte after the
 * slot's confirmed position, so a stalled relay shows here long before the disk fills.
 */
public final class ReplicationSlotMonitor {

  private static final String RETAINED_WAL =
      """
      SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)
      FROM pg_replication_slots
      WHERE slot_name = ?
      """;

  private final JdbcTemplate jdbc;
  private final String slotName;

  public ReplicationSlotMonitor(JdbcTemplate jdbc, String slotName) {
    this.jdbc = jdbc;
    this.slotName = slotName;
  }

  /** Bytes of WAL retained for the slot; empty if the slot does not exist yet or the DB is away. */
  public OptionalLong retainedWalBytes() {
    try {
      Long bytes = jdbc.query(RETAINED_WAL, row -> row.next() ? row.getLong(1) : null, slotName);
      return bytes == null ? OptionalLong.empty() : OptionalLong.of(bytes);
    } catch (DataAccessException e) {
      return OptionalLong.empty();
    }
  }
}

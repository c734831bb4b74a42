package dev.onceflow.intake;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Outbox rows live only inside the DB transaction that writes them (insert, then delete), so a test
 * cannot count them afterwards. A test-only trigger copies every insert to an audit table: what
 * Debezium would read from the WAL. The copy runs as the table's owner (SECURITY DEFINER): intake's
 * own role may not write a test's table.
 */
final class OutboxAudit {

  private OutboxAudit() {}

  static void install(JdbcTemplate jdbc) {
    jdbc.execute(
        """
        CREATE TABLE IF NOT EXISTS test_outbox_audit (
            id            uuid PRIMARY KEY,
            aggregatetype varchar(64) NOT NULL,
            aggregateid   varchar(64) NOT NULL,
            type          varchar(64) NOT NULL
        )
        """);
    jdbc.execute(
        """
        CREATE OR REPLACE FUNCTION test_outbox_audit_copy() RETURNS trigger AS $$
        BEGIN
            INSERT INTO test_outbox_audit (id, aggregatetype, aggregateid, type)
            VALUES (NEW.id, NEW.aggregatetype, NEW.aggregateid, NEW.type);
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql SECURITY DEFINER
        """);
    jdbc.execute(
        """
        CREATE OR REPLACE TRIGGER test_outbox_audit AFTER INSERT ON outbox
        FOR EACH ROW EXECUTE FUNCTION test_outbox_audit_copy()
        """);
  }

  /** The event types written for a transaction, in no particular order. */
  static List<String> eventsFor(JdbcTemplate jdbc, String transactionId) {
    return jdbc.queryForList(
        "SELECT type FROM test_outbox_audit WHERE aggregateid = ?", String.class, transactionId);
  }

  static List<String> eventsFor(JdbcTemplate jdbc, UUID transactionId) {
    return eventsFor(jdbc, transactionId.toString());
  }
}

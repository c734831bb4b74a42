package dev.onceflow.store;

import dev.onceflow.model.EventType;
import dev.onceflow.model.OutboxRow;
import dev.onceflow.model.TransactionEvent;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one writer of the transactional outbox: intake, the workers, the sweeper and the operators'
 * commands all publish through it, inside the DB transaction whose change the event announces. The
 * row carries the writer's trace context ({@link SpanContextSource}).
 */
public final class OutboxWriter {

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final SpanContextSource spanContext;

  public OutboxWriter(JdbcClient jdbc, JsonMapper json, SpanContextSource spanContext) {
    this.jdbc = jdbc;
    this.json = json;
    this.spanContext = spanContext;
  }

  /**
   * Appends one event about {@code transactionId}. Only valid inside a DB transaction: the row is
   * inserted and deleted at once (Debezium reads the insert from the WAL), so outside one it would
   * be published even if the change it announces rolled back.
   */
  public TransactionEvent append(EventType type, UUID transactionId, Instant now) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalStateException(
          "an outbox event is written only inside the DB transaction it announces");
    }
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    OutboxRow row =
        OutboxRow.of(type, event, json.writeValueAsString(event), spanContext.current());
    int inserted = jdbc.sql(OutboxRow.INSERT).paramSource(row).update();
    if (inserted != 1) {
      throw new IllegalStateException("outbox insert wrote " + inserted + " rows");
    }
    jdbc.sql(OutboxRow.DELETE).paramSource(row).update();
    return event;
  }
}

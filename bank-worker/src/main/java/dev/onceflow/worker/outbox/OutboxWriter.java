package dev.onceflow.worker.outbox;

import dev.onceflow.model.EventType;
import dev.onceflow.model.OutboxRow;
import dev.onceflow.model.OutboxSpanContext;
import dev.onceflow.model.TransactionEvent;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** Writes events to the transactional outbox, inside the DB transaction whose change they announce. */
@Component
public class OutboxWriter {

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Tracer tracer;
  private final Propagator propagator;

  public OutboxWriter(
      JdbcClient jdbc, JsonMapper json, Tracer tracer, ObjectProvider<Propagator> propagator) {
    this.jdbc = jdbc;
    this.json = json;
    this.tracer = tracer;
    // With tracing switched off Spring Boot provides a no-op Tracer but no Propagator.
    this.propagator = propagator.getIfAvailable(() -> Propagator.NOOP);
  }

  /** Appends one event about {@code transactionId}; only valid inside a DB transaction. */
  @Transactional(propagation = Propagation.MANDATORY)
  public TransactionEvent append(EventType type, UUID transactionId, Instant now) {
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    OutboxRow row = OutboxRow.of(type, event, json.writeValueAsString(event), currentSpanContext());
    int inserted = jdbc.sql(OutboxRow.INSERT).paramSource(row).update();
    if (inserted != 1) {
      throw new IllegalStateException("outbox insert wrote " + inserted + " rows");
    }
    jdbc.sql(OutboxRow.DELETE).paramSource(row).update();
    return event;
  }

  /**
   * The trace the worker is in (the payment's, continued from the request record), so that
   * consumers of the outcome event continue it too.
   */
  private String currentSpanContext() {
    TraceContext context = tracer.currentTraceContext().context();
    if (context == null) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    propagator.inject(context, headers, Map::put);
    return OutboxSpanContext.encode(headers);
  }
}

package dev.onceflow.intake.transaction;

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

/** Publishes an event by writing it to the outbox inside the caller's DB transaction. */
@Component
class Outbox {

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Tracer tracer;
  private final Propagator propagator;

  Outbox(
      JdbcClient jdbc, JsonMapper json, Tracer tracer, ObjectProvider<Propagator> propagator) {
    this.jdbc = jdbc;
    this.json = json;
    this.tracer = tracer;
    // With tracing switched off Spring Boot provides a no-op Tracer but no Propagator.
    this.propagator = propagator.getIfAvailable(() -> Propagator.NOOP);
  }

  @Transactional(propagation = Propagation.MANDATORY)
  void publish(EventType type, UUID transactionId, Instant now) {
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    OutboxRow row = OutboxRow.of(type, event, json.writeValueAsString(event), currentSpanContext());
    jdbc.sql(OutboxRow.INSERT).paramSource(row).update();
    jdbc.sql(OutboxRow.DELETE).paramSource(row).update();
  }

  /**
   * The request's trace context, for the relay to put on the Kafka record: the worker's bank call
   * then belongs to the trace the client started.
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

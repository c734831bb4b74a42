package dev.onceflow.store;

import dev.onceflow.model.OutboxSpanContext;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an outbox row's trace context comes from: the value of its {@link OutboxSpanContext}
 * column, or null for none. The relay puts it on the Kafka record, so whoever consumes the event
 * continues the trace of whoever wrote it.
 */
@FunctionalInterface
public interface SpanContextSource {

  /** The column value for a row written now. */
  String current();

  /** The trace the calling thread is in, as the tracer's propagator writes it; null outside any. */
  static SpanContextSource of(Tracer tracer, Propagator propagator) {
    return () -> {
      TraceContext context = tracer.currentTraceContext().context();
      if (context == null) {
        return null;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      propagator.inject(context, headers, Map::put);
      return OutboxSpanContext.encode(headers);
    };
  }

  /** The same propagation headers on every row, e.g. one operator action's own trace. */
  static SpanContextSource fixed(Map<String, String> headers) {
    String column = OutboxSpanContext.encode(headers);
    return () -> column;
  }
}

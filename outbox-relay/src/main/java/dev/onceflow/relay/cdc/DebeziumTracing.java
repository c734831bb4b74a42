package dev.onceflow.relay.cdc;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives Debezium's Outbox Event Router an OpenTelemetry to continue the outbox rows' traces with.
 * The router only knows {@link GlobalOpenTelemetry}, and reads it once, the first time it is used:
 * this must run before the engine starts, or the router keeps the no-op instance, whose propagators
 * write no {@code traceparent} header at all.
 */
public final class DebeziumTracing {

  private static final Logger log = LoggerFactory.getLogger(DebeziumTracing.class);

  private DebeziumTracing() {}

  /** Makes {@code openTelemetry} the global instance, unless this JVM already has one. */
  public static void install(OpenTelemetry openTelemetry) {
    try {
      GlobalOpenTelemetry.set(openTelemetry);
    } catch (IllegalStateException e) {
      // One global per JVM: a second relay in the same JVM (tests, the local stack restarted in
      // process) keeps the first one's. Its propagators still carry the context on, even once that
      // relay's SDK has shut down (its spans are then no-ops that pass their parent through).
      log.debug("GlobalOpenTelemetry is already set; the outbox router keeps using it");
    }
  }
}

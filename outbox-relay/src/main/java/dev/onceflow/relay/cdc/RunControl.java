package dev.onceflow.relay.cdc;

import io.debezium.engine.DebeziumEngine;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What one run of the relay shares between the application's lifecycle and the supervisor thread:
 * whether a stop was requested, and the engine running now. Both change under one lock, so a stop
 * either finds the engine just installed or the supervisor sees the stop before installing it: no
 * engine is left running after {@link #requestStop()}.
 */
final class RunControl {

  private final CountDownLatch stopRequested = new CountDownLatch(1);

  // Guarded by this.
  private boolean stopping;
  private DebeziumEngine<?> engine;

  synchronized boolean stopRequested() {
    return stopping;
  }

  /** Marks the run as stopping and returns the engine to close, or null if none is running. */
  DebeziumEngine<?> requestStop() {
    DebeziumEngine<?> current;
    synchronized (this) {
      stopping = true;
      current = engine;
    }
    stopRequested.countDown();
    return current;
  }

  /** Makes {@code created} the running engine, unless a stop was requested: then false. */
  synchronized boolean install(DebeziumEngine<?> created) {
    if (stopping) {
      return false;
    }
    engine = created;
    return true;
  }

  synchronized void uninstall() {
    engine = null;
  }

  /** Waits for {@code timeout}, or less if a stop is requested meanwhile. */
  void awaitStopRequest(Duration timeout) {
    try {
      stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

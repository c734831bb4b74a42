package dev.onceflow.relay.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's loop, on a thread of its own until its run is stopped: stand by while another relay
 * holds the lock; once this one holds it, run an engine until it stops; after a failure, wait, then
 * go round again. A restarted engine resumes from its committed offsets.
 */
final class RelaySupervisor implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(RelaySupervisor.class);

  /** How the loop waits and gives up: the same for every run of the application. */
  record Timing(Duration standbyPollInterval, Duration restartDelay, Duration stopTimeout) {}

  private final OutboxEngines engines;
  private final RelayLeadership leadership;
  private final Runnable beforeEachStart;
  private final RelayStatus status;
  private final Counter restarts;
  private final Timing timing;
  private final RunControl control;

  RelaySupervisor(
      OutboxEngines engines,
      RelayLeadership leadership,
      Runnable beforeEachStart,
      RelayStatus status,
      Counter restarts,
      Timing timing,
      RunControl control) {
    this.engines = engines;
    this.leadership = leadership;
    this.beforeEachStart = beforeEachStart;
    this.status = status;
    this.restarts = restarts;
    this.timing = timing;
    this.control = control;
  }

  @Override
  public void run() {
    try {
      while (!control.stopRequested()) {
        if (!leadership.holdOrAcquire()) {
          standBy();
          continue;
        }
        runOnce();
      }
    } finally {
      leadership.close();
    }
  }

  private void standBy() {
    if (status.standingBy()) {
      log.info("Another relay is active; standing by");
    }
    control.awaitStopRequest(timing.standbyPollInterval());
  }

  /** Runs an engine until it stops; after a failure, waits before the loop tries again. */
  private void runOnce() {
    Throwable failure;
    try {
      beforeEachStart.run();
      failure = runEngineUntilItStops();
    } catch (RuntimeException e) {
      failure = e;
    }
    if (control.stopRequested()) {
      return;
    }
    restarts.increment();
    String reason = failure == null ? "stopped without an error" : failure.toString();
    status.failed(reason);
    log.error(
        "Outbox relay engine stopped unexpectedly; restarting in {}",
        timing.restartDelay(),
        failure);
    control.awaitStopRequest(timing.restartDelay());
  }

  /** Returns the engine's error, or null if it stopped without one. */
  private Throwable runEngineUntilItStops() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        engines.create(error, this::markNotStreaming);
    if (!control.install(engine)) {
      return null;
    }
    status.restartingEngine();
    log.info("Starting the outbox relay engine on {}", engines.source());
    Thread engineThread = Thread.currentThread();
    Thread watchdog =
        LeadershipWatchdog.watch(
            leadership,
            engineThread,
            timing.standbyPollInterval(),
            control::stopRequested,
            () -> {
              markNotStreaming("lost the relay lock");
              OutboxEngines.close(
                  engine, engineThread, System.nanoTime() + timing.stopTimeout().toNanos());
            });
    try {
      engine.run();
    } catch (RuntimeException e) {
      error.compareAndSet(null, e);
    } finally {
      watchdog.interrupt();
      control.uninstall();
    }
    return error.get();
  }

  private void markNotStreaming(String error) {
    if (!control.stopRequested()) {
      status.notStreaming(error);
    }
  }
}

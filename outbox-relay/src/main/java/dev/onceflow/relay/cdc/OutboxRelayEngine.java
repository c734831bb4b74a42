package dev.onceflow.relay.cdc;

import dev.onceflow.relay.publish.KafkaPublisher;
import io.debezium.engine.DebeziumEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The relay's lifecycle: runs a {@link RelaySupervisor} on its own thread for as long as the
 * application runs. An engine that stops with an error (PostgreSQL or Kafka away, a send not
 * acknowledged) is restarted after a delay: it resumes from its committed offsets, so a restart
 * neither skips nor replays history beyond the last uncommitted flush interval.
 *
 * <p>Being a {@link SmartLifecycle} in the last phase, it starts after the context (and Flyway) is
 * ready and stops before any bean is destroyed, so the engine is gone before the producer closes.
 */
public final class OutboxRelayEngine implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelayEngine.class);

  /** What the health endpoint reports. */
  public enum State {
    /** Not started, or stopped with the application. */
    STOPPED,
    /** Another relay holds the lock and streams; this one takes over when that one dies. */
    STANDBY,
    /** Creating topics, connecting, creating the slot and publication. */
    STARTING,
    /** Streaming the outbox to Kafka. */
    RUNNING,
    /** The engine failed; waiting before the next start. */
    RESTARTING
  }

  /** A snapshot for the health endpoint ({@link RelayStatus} changes it). */
  public record Status(State state, int restarts, String lastError) {

    public boolean running() {
      return state == State.RUNNING;
    }

    /** The same restarts and last error, in {@code next}. */
    Status now(State next) {
      return new Status(next, restarts, lastError);
    }
  }

  private final OutboxEngines engines;
  private final RelayLeadership leadership;
  private final Runnable beforeEachStart;
  private final RelaySupervisor.Timing timing;
  private final Counter restartCounter;
  private final RelayStatus status = new RelayStatus();

  private final Object lock = new Object();

  // Guarded by lock; both null while not running.
  private RunControl run;
  private Thread supervisor;

  /**
   * @param beforeEachStart runs on the engine thread before every start (topic creation): a failure
   *     is retried like an engine failure instead of failing the application's start-up
   * @param standbyPollInterval how often a standby tries to become the active relay, and how often
   *     the active one checks that it still is
   */
  public OutboxRelayEngine(
      Properties engineConfig,
      RelayLeadership leadership,
      Duration standbyPollInterval,
      Runnable beforeEachStart,
      KafkaPublisher publisher,
      Clock clock,
      Duration restartDelay,
      Duration stopTimeout,
      MeterRegistry meters) {
    this.engines = new OutboxEngines(engineConfig, publisher, clock, status);
    this.leadership = leadership;
    this.beforeEachStart = beforeEachStart;
    this.timing = new RelaySupervisor.Timing(standbyPollInterval, restartDelay, stopTimeout);
    this.restartCounter =
        Counter.builder("onceflow.relay.engine.restarts")
            .description("Engine restarts after a failure")
            .register(meters);
  }

  public Status status() {
    return status.get();
  }

  @Override
  public void start() {
    synchronized (lock) {
      if (run != null) {
        return;
      }
      run = new RunControl();
      supervisor =
          new Thread(
              new RelaySupervisor(
                  engines, leadership, beforeEachStart, status, restartCounter, timing, run),
              "outbox-relay-engine");
      // A hung engine must not keep the JVM alive once the application has given up on it.
      supervisor.setDaemon(true);
      status.starting();
      supervisor.start();
    }
  }

  @Override
  public void stop() {
    Thread engineThread;
    DebeziumEngine<?> current;
    synchronized (lock) {
      if (run == null) {
        return;
      }
      current = run.requestStop();
      engineThread = supervisor;
      run = null;
      supervisor = null;
    }
    long deadline = System.nanoTime() + timing.stopTimeout().toNanos();
    if (current != null) {
      // Closing waits for the offset store, which can hang while Kafka is away: never on this
      // thread.
      Thread closer =
          new Thread(
              () -> OutboxEngines.close(current, engineThread, deadline),
              "outbox-relay-engine-stop");
      closer.setDaemon(true);
      closer.start();
    }
    try {
      engineThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (engineThread.isAlive()) {
      log.warn(
          "The outbox relay engine did not stop within {}; leaving it behind",
          timing.stopTimeout());
    } else {
      log.info("Outbox relay engine stopped");
    }
    status.stopped();
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return run != null;
    }
  }
}

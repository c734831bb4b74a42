package dev.onceflow.relay.cdc;

import dev.onceflow.relay.publish.KafkaPublisher;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the Debezium engine on its own thread for as long as the application runs. An engine that
 * stops with an error (PostgreSQL or Kafka away, a send not acknowledged) is restarted after a
 * delay: it resumes from its committed offsets, so a restart neither skips nor replays history
 * beyond the last uncommitted flush interval.
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

  private final Properties engineConfig;
  private final RelayLeadership leadership;
  private final Duration standbyPollInterval;
  private final Runnable beforeEachStart;
  private final KafkaPublisher publisher;
  private final Clock clock;
  private final Duration restartDelay;
  private final Duration stopTimeout;
  private final Counter restartCounter;
  private final String slotName;
  private final String publicationName;

  private final Object lock = new Object();
  private final RelayStatus status = new RelayStatus();

  // Guarded by lock.
  private boolean running;
  private CountDownLatch stopRequested = new CountDownLatch(0);
  private Thread supervisor;
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

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
    this.engineConfig = engineConfig;
    this.leadership = leadership;
    this.standbyPollInterval = standbyPollInterval;
    this.beforeEachStart = beforeEachStart;
    this.publisher = publisher;
    this.clock = clock;
    this.restartDelay = restartDelay;
    this.stopTimeout = stopTimeout;
    this.slotName = engineConfig.getProperty("slot.name");
    this.publicationName = engineConfig.getProperty("publication.name");
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
      if (running) {
        return;
      }
      running = true;
      stopRequested = new CountDownLatch(1);
      supervisor = new Thread(this::superviseEngine, "outbox-relay-engine");
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
      if (!running) {
        return;
      }
      running = false;
      stopRequested.countDown();
      engineThread = supervisor;
      current = engine;
    }
    long deadline = System.nanoTime() + stopTimeout.toNanos();
    if (current != null) {
      // Closing waits for the offset store, which can hang while Kafka is away: never on this
      // thread.
      Thread closer =
          new Thread(
              () -> closeEngine(current, engineThread, deadline), "outbox-relay-engine-stop");
      closer.setDaemon(true);
      closer.start();
    }
    try {
      engineThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (engineThread.isAlive()) {
      log.warn("The outbox relay engine did not stop within {}; leaving it behind", stopTimeout);
    } else {
      log.info("Outbox relay engine stopped");
    }
    status.stopped();
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return running;
    }
  }

  private void superviseEngine() {
    try {
      while (!stopRequested()) {
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
    awaitStopRequest(standbyPollInterval);
  }

  /** Runs the engine until it stops; after a failure, waits before the caller tries again. */
  private void runOnce() {
    Throwable failure;
    try {
      beforeEachStart.run();
      failure = runEngineUntilItStops();
    } catch (RuntimeException e) {
      failure = e;
    }
    if (stopRequested()) {
      return;
    }
    restartCounter.increment();
    String reason = failure == null ? "stopped without an error" : failure.toString();
    status.failed(reason);
    log.error("Outbox relay engine stopped unexpectedly; restarting in {}", restartDelay, failure);
    awaitStopRequest(restartDelay);
  }

  /** Returns the engine's error, or null if it stopped without one. */
  private Throwable runEngineUntilItStops() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> created = newEngine(error);
    synchronized (lock) {
      if (!running) {
        return null;
      }
      engine = created;
    }
    status.restartingEngine();
    log.info(
        "Starting the outbox relay engine on {}:{}/{}",
        engineConfig.getProperty("database.hostname"),
        engineConfig.getProperty("database.port"),
        engineConfig.getProperty("database.dbname"));
    Thread engineThread = Thread.currentThread();
    Thread watchdog =
        LeadershipWatchdog.watch(
            leadership,
            engineThread,
            standbyPollInterval,
            this::stopRequested,
            () -> {
              markNotStreaming("lost the relay lock");
              closeEngine(created, engineThread, System.nanoTime() + stopTimeout.toNanos());
            });
    try {
      created.run();
    } catch (RuntimeException e) {
      error.compareAndSet(null, e);
    } finally {
      watchdog.interrupt();
      synchronized (lock) {
        engine = null;
      }
    }
    return error.get();
  }

  /**
   * An engine on the outbox that hands each batch to the publisher, reports its polling to the
   * status, and leaves its failure in {@code error}.
   */
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> newEngine(
      AtomicReference<Throwable> error) {
    // The builder writes defaults into the Properties it is given; keep ours unchanged.
    Properties config = new Properties();
    config.putAll(engineConfig);
    return DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
        .using(config)
        .using(clock)
        .using(
            new DebeziumEngine.ConnectorCallback() {
              @Override
              public void pollingStarted() {
                status.running();
                log.info(
                    "Outbox relay engine started: streaming {} from replication slot '{}'"
                        + " (publication '{}')",
                    OutboxConnectorConfig.OUTBOX_TABLE,
                    slotName,
                    publicationName);
              }

              @Override
              public void pollingStopped() {
                markNotStreaming(null);
              }
            })
        .using(
            (boolean success, String message, Throwable cause) -> {
              if (!success) {
                error.set(cause != null ? cause : new IllegalStateException(message));
              }
            })
        .notifying(
            (records, committer) -> {
              try {
                publisher.handleBatch(records, committer);
              } catch (RuntimeException e) {
                // The engine may take a while to stop (its offset store waits for Kafka):
                // from now on it is not streaming, whatever it does next.
                markNotStreaming(e.toString());
                throw e;
              }
            })
        .build();
  }

  private void markNotStreaming(String error) {
    if (!stopRequested()) {
      status.notStreaming(error);
    }
  }

  /**
   * The engine refuses to close while its tasks are starting (it would leak their connections), and
   * may not have begun running yet; retry until the engine thread has finished or time is up.
   */
  private static void closeEngine(DebeziumEngine<?> engine, Thread engineThread, long deadline) {
    while (engineThread.isAlive() && System.nanoTime() < deadline) {
      try {
        engine.close();
        return;
      } catch (IllegalStateException e) {
        log.debug("Engine not ready to close yet: {}", e.getMessage());
      } catch (IOException e) {
        log.warn("Error while stopping the outbox relay engine", e);
        return;
      }
      try {
        engineThread.join(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private boolean stopRequested() {
    synchronized (lock) {
      return !running;
    }
  }

  private void awaitStopRequest(Duration timeout) {
    CountDownLatch latch;
    synchronized (lock) {
      latch = stopRequested;
    }
    try {
      latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

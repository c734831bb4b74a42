package dev.onceflow.relay.cdc;

import dev.onceflow.relay.publish.KafkaPublisher;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.time.Clock;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds Debezium engines on the outbox, wired to the publisher and the relay's status. */
final class OutboxEngines {

  private static final Logger log = LoggerFactory.getLogger(OutboxEngines.class);

  private final Properties engineConfig;
  private final KafkaPublisher publisher;
  private final Clock clock;
  private final RelayStatus status;

  OutboxEngines(
      Properties engineConfig, KafkaPublisher publisher, Clock clock, RelayStatus status) {
    this.engineConfig = engineConfig;
    this.publisher = publisher;
    this.clock = clock;
    this.status = status;
  }

  /** Where the engines stream from, for the log. */
  String source() {
    return "%s:%s/%s"
        .formatted(
            engineConfig.getProperty("database.hostname"),
            engineConfig.getProperty("database.port"),
            engineConfig.getProperty("database.dbname"));
  }

  /**
   * An engine that hands each batch to the publisher, reports its polling to the status, and leaves
   * its failure in {@code error}; {@code notStreaming} is told (with the error, if known) when it
   * no longer streams.
   */
  DebeziumEngine<RecordChangeEvent<SourceRecord>> create(
      AtomicReference<Throwable> error, Consumer<String> notStreaming) {
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
                    engineConfig.getProperty("slot.name"),
                    engineConfig.getProperty("publication.name"));
              }

              @Override
              public void pollingStopped() {
                notStreaming.accept(null);
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
                notStreaming.accept(e.toString());
                throw e;
              }
            })
        .build();
  }

  /**
   * Closes {@code engine}, which runs on {@code engineThread}. The engine refuses to close while
   * its tasks are starting (it would leak their connections), and may not have begun running yet;
   * so this retries until the engine thread has finished or the deadline (a nanoTime) has passed.
   */
  static void close(DebeziumEngine<?> engine, Thread engineThread, long deadline) {
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
}

package dev.onceflow.relay.publish;

import dev.onceflow.model.Topics;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's handler: publishes each routed outbox event to Kafka and tells the engine a record
 * is processed only once the broker has acknowledged it (acks=all). The engine commits positions
 * only up to processed records, so a crash at any point re-sends instead of losing.
 */
public final class KafkaPublisher
    implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);

  /** Commit time of the source transaction, in microseconds, in PostgreSQL connector offsets. */
  private static final String COMMIT_TIME_MICROS = "ts_usec";

  /** Above the producer's own delivery timeout, so that the producer reports the failure. */
  private static final Duration ACK_WAIT_MARGIN = Duration.ofSeconds(5);

  private final Producer<String, String> producer;
  private final Duration ackTimeout;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Timer commitToAck;
  private final Timer arrivalToAck;

  public KafkaPublisher(
      String bootstrapServers,
      Duration linger,
      Duration deliveryTimeout,
      Clock clock,
      MeterRegistry meters) {
    this(
        new KafkaProducer<>(producerConfig(bootstrapServers, linger, deliveryTimeout)),
        deliveryTimeout.plus(ACK_WAIT_MARGIN),
        clock,
        meters);
  }

  KafkaPublisher(
      Producer<String, String> producer, Duration ackTimeout, Clock clock, MeterRegistry meters) {
    this.producer = producer;
    this.ackTimeout = ackTimeout;
    this.clock = clock;
    this.meters = meters;
    this.commitToAck = latencyTimer(meters, "commit");
    this.arrivalToAck = latencyTimer(meters, "handler");
  }

  private static Timer latencyTimer(MeterRegistry meters, String since) {
    return Timer.builder("onceflow.relay.publish.latency")
        .description(
            "Time from the outbox row's commit (since=commit) or, when the record does not carry"
                + " it, from the handler receiving it (since=handler), to the broker's"
                + " acknowledgement")
        .tag("since", since)
        // Buckets, so that quantiles can be taken over any interval and across relays
        // (histogram_quantile: a dashboard's range, a benchmark's load phase), not only over the
        // last two minutes one process saw.
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(meters);
  }

  static Map<String, Object> producerConfig(
      String bootstrapServers, Duration linger, Duration deliveryTimeout) {
    Duration requestTimeout = min(Duration.ofSeconds(10), deliveryTimeout.minus(linger));
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "onceflow-outbox-relay");
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
    // send() blocks while it has no metadata for the topic: bound it like a delivery.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) deliveryTimeout.toMillis());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return config;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public void handleBatch(
      List<RecordChangeEvent<SourceRecord>> events,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    long arrivedAt = clock.millis();
    List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
    Throwable failure = null;
    for (RecordChangeEvent<SourceRecord> event : events) {
      SourceRecord record = event.record();
      if (!isOutboxEvent(record)) {
        // Heartbeats only move the position forward: nothing to publish.
        acks.add(null);
        continue;
      }
      try {
        acks.add(producer.send(toProducerRecord(record)));
      } catch (KafkaException e) {
        failure = e;
        break;
      }
    }

    // Acknowledgements are awaited in the engine's order: positions are only valid as a prefix.
    long deadline = System.nanoTime() + ackTimeout.toNanos();
    int acknowledged = 0;
    for (Future<RecordMetadata> ack : acks) {
      if (ack != null) {
        try {
          ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
          failure = e instanceof ExecutionException ? e.getCause() : e;
          break;
        }
        recordPublished(events.get(acknowledged).record(), arrivedAt);
      }
      acknowledged++;
    }
    for (int i = 0; i < acknowledged; i++) {
      committer.markProcessed(events.get(i));
    }
    if (failure != null) {
      throw new PublishFailedException(
          "Kafka acknowledged "
              + acknowledged
              + " of "
              + events.size()
              + " records of the batch; the rest will be sent again",
          failure);
    }
    committer.markBatchFinished();
  }

  private static boolean isOutboxEvent(SourceRecord record) {
    return record.topic() != null && record.topic().startsWith(Topics.PREFIX);
  }

  private static ProducerRecord<String, String> toProducerRecord(SourceRecord record) {
    if (!(record.value() instanceof String payload)) {
      throw new IllegalStateException(
          "outbox payload is not JSON text but "
              + (record.value() == null ? "null" : record.value().getClass().getName()));
    }
    RecordHeaders headers = new RecordHeaders();
    for (Header header : record.headers()) {
      if (header.value() != null) {
        headers.add(header.key(), String.valueOf(header.value()).getBytes(StandardCharsets.UTF_8));
      }
    }
    String key = record.key() == null ? null : record.key().toString();
    return new ProducerRecord<>(record.topic(), null, null, key, payload, headers);
  }

  /** The latest acknowledged event: when, and how long after its commit (the relay's lag). */
  public record LastPublication(Instant at, long commitToAckMillis) {}

  private volatile LastPublication lastPublication;

  /** Null until the first event is acknowledged. */
  public LastPublication lastPublication() {
    return lastPublication;
  }

  private void recordPublished(SourceRecord record, long arrivedAt) {
    long now = clock.millis();
    Counter.builder("onceflow.relay.events.published")
        .description("Outbox events acknowledged by Kafka")
        .tag("topic", record.topic())
        .register(meters)
        .increment();
    Object commitMicros =
        record.sourceOffset() == null ? null : record.sourceOffset().get(COMMIT_TIME_MICROS);
    long lag;
    if (commitMicros instanceof Number micros) {
      lag = Math.max(0, now - micros.longValue() / 1000);
      commitToAck.record(lag, TimeUnit.MILLISECONDS);
    } else {
      lag = now - arrivedAt;
      arrivalToAck.record(lag, TimeUnit.MILLISECONDS);
    }
    lastPublication = new LastPublication(Instant.ofEpochMilli(now), lag);
  }

  /** Called after the engine has stopped; a send still pending fails instead of blocking. */
  @Override
  public void close() {
    log.debug("Closing the outbox relay producer");
    producer.close(Duration.ofSeconds(5));
  }
}

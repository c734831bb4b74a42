package dev.onceflow.relay.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The handler's contract with the engine, against Kafka's own in-memory producer: a record is
 * marked processed only after its acknowledgement, and only as part of an acknowledged prefix.
 */
class KafkaPublisherTest {

  private final MockProducer<String, String> producer =
      new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final KafkaPublisher publisher =
      new KafkaPublisher(producer, Duration.ofSeconds(10), Clock.systemUTC(), meters);
  private final RecordingCommitter committer = new RecordingCommitter();

  @Test
  void marksRecordsProcessedOnlyAfterKafkaAcknowledgedThem() {
    List<RecordChangeEvent<SourceRecord>> batch = List.of(outboxEvent("a"), outboxEvent("b"));

    CompletableFuture<Void> handled = handleAsync(batch);
    await().until(() -> producer.history().size() == 2);
    producer.completeNext();

    assertThat(committer.processed).isEmpty();
    assertThat(handled).isNotDone();

    producer.completeNext();
    handled.join();
    assertThat(committer.processed).containsExactlyElementsOf(batch);
    assertThat(committer.batchFinished).isTrue();
    assertThat(meters.get("onceflow.relay.events.published").counter().count()).isEqualTo(2);
  }

  @Test
  void marksOnlyTheAcknowledgedPrefixWhenASendFails() {
    List<RecordChangeEvent<SourceRecord>> batch =
        List.of(outboxEvent("a"), outboxEvent("b"), outboxEvent("c"));

    CompletableFuture<Void> handled = handleAsync(batch);
    await().until(() -> producer.history().size() == 3);
    producer.completeNext();
    producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker away"));

    assertThatThrownBy(handled::join).hasCauseInstanceOf(PublishFailedException.class);
    assertThat(committer.processed).containsExactly(batch.get(0));
    assertThat(committer.batchFinished).isFalse();
  }

  @Test
  void publishesKeyPayloadAndTheRoutersHeaders() {
    CompletableFuture<Void> handled = handleAsync(List.of(outboxEvent("a")));
    await().until(() -> producer.history().size() == 1);
    producer.completeNext();
    handled.join();

    ProducerRecord<String, String> sent = producer.history().get(0);
    assertThat(sent.topic()).isEqualTo("payments.transaction-requested");
    assertThat(sent.key()).isEqualTo("tx-a");
    assertThat(sent.value()).isEqualTo("{\"eventId\": \"a\"}");
    assertThat(header(sent, "eventType")).isEqualTo("TransactionRequested");
    assertThat(header(sent, "id")).isEqualTo("a");
  }

  @Test
  void passesOverRecordsThatAreNotOutboxEvents() throws InterruptedException {
    RecordChangeEvent<SourceRecord> heartbeat =
        event(
            new SourceRecord(
                Map.of("server", "onceflow"),
                Map.of("lsn", 42L),
                "__debezium-heartbeat.onceflow",
                null,
                null,
                null,
                null));

    publisher.handleBatch(List.of(heartbeat), committer);

    assertThat(producer.history()).isEmpty();
    assertThat(committer.processed).containsExactly(heartbeat);
    assertThat(committer.batchFinished).isTrue();
  }

  private CompletableFuture<Void> handleAsync(List<RecordChangeEvent<SourceRecord>> batch) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            publisher.handleBatch(batch, committer);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** A record as the Outbox Event Router leaves it. */
  private static RecordChangeEvent<SourceRecord> outboxEvent(String id) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("id", id);
    headers.addString("eventType", "TransactionRequested");
    return event(
        new SourceRecord(
            Map.of("server", "onceflow"),
            Map.of("lsn", 42L, "ts_usec", 1_700_000_000_000_000L),
            "payments.transaction-requested",
            null,
            Schema.STRING_SCHEMA,
            "tx-" + id,
            Schema.STRING_SCHEMA,
            "{\"eventId\": \"" + id + "\"}",
            null,
            headers));
  }

  private static RecordChangeEvent<SourceRecord> event(SourceRecord record) {
    return () -> record;
  }

  private static String header(ProducerRecord<String, String> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static final class RecordingCommitter
      implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {

    final List<RecordChangeEvent<SourceRecord>> processed =
        Collections.synchronizedList(new ArrayList<>());
    volatile boolean batchFinished;

    @Override
    public void markProcessed(RecordChangeEvent<SourceRecord> record) {
      processed.add(record);
    }

    @Override
    public void markBatchFinished() {
      batchFinished = true;
    }

    @Override
    public void markProcessed(
        RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
      processed.add(record);
    }

    @Override
    public DebeziumEngine.Offsets buildOffsets() {
      throw new UnsupportedOperationException();
    }
  }
}

package dev.onceflow.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Everything on both event topics, from their beginning, read by a plain consumer. */
final class ConsumedEvents implements AutoCloseable {

  static final Duration DELIVERY = Duration.ofSeconds(30);

  private final KafkaConsumer<String, String> consumer;

  /**
   * Each record once, by its place in Kafka: a rebalance makes the consumer fetch again from its
   * last committed offset, and a record read twice is still one record (one sent twice by the relay
   * has an offset of its own).
   */
  private final Map<String, ConsumerRecord<String, String>> records = new LinkedHashMap<>();

  private ConsumedEvents(KafkaConsumer<String, String> consumer) {
    this.consumer = consumer;
  }

  static ConsumedEvents subscribe(String bootstrapServers) {
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "outbox-relay-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class));
    consumer.subscribe(List.of(Topics.TRANSACTION_REQUESTED, Topics.TRANSACTION_EVENTS));
    return new ConsumedEvents(consumer);
  }

  static String header(ConsumerRecord<String, String> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  static List<String> ids(List<TransactionEvent> events) {
    return events.stream().map(event -> event.eventId().toString()).toList();
  }

  void poll() {
    consumer
        .poll(Duration.ofMillis(200))
        .forEach(
            record ->
                records.putIfAbsent(
                    record.topic() + "-" + record.partition() + "@" + record.offset(), record));
  }

  void awaitAll(List<TransactionEvent> events) {
    await()
        .atMost(DELIVERY)
        .untilAsserted(
            () -> {
              poll();
              assertThat(events).allSatisfy(event -> assertThat(of(event)).isNotEmpty());
            });
  }

  /** The records published for this event (more than one if it was sent again). */
  List<ConsumerRecord<String, String>> of(TransactionEvent event) {
    String id = event.eventId().toString();
    return records.values().stream().filter(record -> id.equals(header(record, "id"))).toList();
  }

  ConsumerRecord<String, String> only(TransactionEvent event) {
    List<ConsumerRecord<String, String>> matching = of(event);
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }

  /** Reads up to the current end of every partition and returns those end offsets. */
  Map<TopicPartition, Long> readToEnd() {
    List<TopicPartition> partitions =
        Stream.of(Topics.TRANSACTION_REQUESTED, Topics.TRANSACTION_EVENTS)
            .flatMap(topic -> consumer.partitionsFor(topic).stream())
            .map(info -> new TopicPartition(info.topic(), info.partition()))
            .toList();
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    await()
        .atMost(DELIVERY)
        .until(
            () -> {
              poll();
              return consumer.assignment().containsAll(partitions)
                  && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
    return end;
  }

  /** Records at or after these offsets: what was published since they were taken. */
  List<ConsumerRecord<String, String>> after(Map<TopicPartition, Long> offsets) {
    return records.values().stream()
        .filter(
            record ->
                record.offset()
                    >= offsets.get(new TopicPartition(record.topic(), record.partition())))
        .toList();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}

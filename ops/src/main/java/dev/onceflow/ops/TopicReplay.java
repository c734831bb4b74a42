package dev.onceflow.ops;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Reads a range of a topic and publishes the records again onto the request topic, where the
 * workers treat them like any delivery: finished transactions are skipped by the claim's
 * conditional UPDATE, so a replay pays nobody twice.
 */
final class TopicReplay implements AutoCloseable {

  /** Header naming the audit row of the replay that republished a record. */
  static final String REPLAY_HEADER = "onceflow-replay";

  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;

  TopicReplay(String bootstrapServers) {
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
  }

  /**
   * Every record of {@code topic} from the offset (or the first offset at or after the timestamp)
   * up to the end as it is now, on every partition.
   */
  List<ConsumerRecord<byte[], byte[]>> read(String topic, Long fromOffset, Instant fromTimestamp) {
    return read(topic, fromOffset, fromTimestamp, Map.of(), Integer.MAX_VALUE);
  }

  /**
   * As {@link #read(String, Long, Instant)}, stopping on each partition before its offset in {@code
   * until} (where it has one) and after {@code limit} records.
   */
  List<ConsumerRecord<byte[], byte[]>> read(
      String topic, Long fromOffset, Instant fromTimestamp, Map<Integer, Long> until, int limit) {
    List<TopicPartition> partitions = partitions(topic);
    consumer.assign(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
    Map<TopicPartition, OffsetAndTimestamp> byTime =
        fromTimestamp == null
            ? Map.of()
            : consumer.offsetsForTimes(timestamps(partitions, fromTimestamp.toEpochMilli()));
    Map<TopicPartition, Long> stop = new HashMap<>();
    for (TopicPartition partition : partitions) {
      long start;
      if (fromTimestamp != null) {
        OffsetAndTimestamp found = byTime.get(partition);
        start = found == null ? end.get(partition) : found.offset();
      } else {
        start = Math.max(fromOffset, beginning.get(partition));
      }
      long last =
          Math.min(end.get(partition), until.getOrDefault(partition.partition(), Long.MAX_VALUE));
      last = Math.min(last, start + Math.min(limit, Long.MAX_VALUE - start));
      stop.put(partition, Math.max(start, last));
      consumer.seek(partition, Math.min(start, end.get(partition)));
    }
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    while (partitions.stream().anyMatch(p -> consumer.position(p) < stop.get(p))) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.offset() < stop.get(partition)) {
          records.add(record);
        }
      }
    }
    return records;
  }

  /**
   * Publishes the records to {@code topic} with their key, value and headers (minus those {@code
   * dropHeader} rejects), marked with the replay's id; returns once Kafka acknowledged all of them.
   */
  void republish(
      List<ConsumerRecord<byte[], byte[]>> records,
      String topic,
      String replayId,
      Predicate<String> dropHeader)
      throws Exception {
    List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      ProducerRecord<byte[], byte[]> copy =
          new ProducerRecord<>(topic, null, record.key(), record.value());
      for (Header header : record.headers()) {
        if (!dropHeader.test(header.key())) {
          copy.headers().add(header);
        }
      }
      copy.headers().add(REPLAY_HEADER, replayId.getBytes(StandardCharsets.UTF_8));
      sends.add(producer.send(copy));
    }
    producer.flush();
    for (var send : sends) {
      send.get();
    }
  }

  /** The current end offset of every partition of the topic. */
  Map<TopicPartition, Long> endOffsets(String topic) {
    return consumer.endOffsets(partitions(topic));
  }

  private List<TopicPartition> partitions(String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(info -> new TopicPartition(topic, info.partition()))
            .toList();
    if (partitions.isEmpty()) {
      throw new IllegalArgumentException("topic " + topic + " does not exist");
    }
    return partitions;
  }

  /**
   * Waits until the consumer group has committed offsets at or past {@code targets} on every
   * partition, reporting progress; returns false if {@code timeout} passed first.
   */
  boolean awaitConsumed(
      String group, Map<TopicPartition, Long> targets, Duration timeout, Consumer<String> progress)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastReport = 0;
    while (true) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      long behind = 0;
      for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
        OffsetAndMetadata offset = committed.get(target.getKey());
        long position = offset == null ? 0 : offset.offset();
        behind += Math.max(0, target.getValue() - position);
      }
      if (behind == 0) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        progress.accept("the workers still have " + behind + " replayed records to consume");
        return false;
      }
      if (System.nanoTime() - lastReport > Duration.ofSeconds(2).toNanos()) {
        progress.accept("waiting for group '" + group + "': " + behind + " records to go");
        lastReport = System.nanoTime();
      }
      Thread.sleep(200);
    }
  }

  private static Map<TopicPartition, Long> timestamps(
      List<TopicPartition> partitions, long millis) {
    Map<TopicPartition, Long> timestamps = new HashMap<>();
    partitions.forEach(partition -> timestamps.put(partition, millis));
    return timestamps;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
    consumer.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
  }
}

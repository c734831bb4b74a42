package dev.onceflow.benchmark;

import dev.onceflow.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Watches both topics from their current end and notes, by transaction id, when each request record
 * and each completion event became visible on this machine's monotonic clock. No consumer group:
 * the benchmark must not take partitions from the workers or commit anything.
 */
final class EventTracker implements AutoCloseable {

  final Map<String, Long> requestedAt = new ConcurrentHashMap<>();
  final Map<String, Long> completedAt = new ConcurrentHashMap<>();
  final Map<String, Long> failedAt = new ConcurrentHashMap<>();

  private final KafkaConsumer<String, String> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  EventTracker(String bootstrapServers) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    consumer = new KafkaConsumer<>(config);
    List<TopicPartition> partitions = new ArrayList<>();
    partitions.addAll(partitions(Topics.TRANSACTION_REQUESTED));
    partitions.addAll(partitions(Topics.TRANSACTION_EVENTS));
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread = new Thread(this::run, "event-tracker");
    thread.setDaemon(true);
    thread.start();
  }

  private List<TopicPartition> partitions(String topic) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
      }
      Benchmark.sleep(500);
    }
    throw new IllegalStateException("topic " + topic + " does not exist");
  }

  private void run() {
    while (running) {
      var records = consumer.poll(Duration.ofMillis(100));
      long now = System.nanoTime();
      for (ConsumerRecord<String, String> record : records) {
        if (record.topic().equals(Topics.TRANSACTION_REQUESTED)) {
          requestedAt.putIfAbsent(record.key(), now);
        } else if (record.value() != null && record.value().contains("\"TransactionCompleted\"")) {
          completedAt.putIfAbsent(record.key(), now);
        } else if (record.value() != null && record.value().contains("\"TransactionFailed\"")) {
          failedAt.putIfAbsent(record.key(), now);
        }
      }
    }
    consumer.close();
  }

  /** Completions seen in [from, to) (nanoTime). */
  long completedBetween(long from, long to) {
    return completedAt.values().stream().filter(t -> t >= from && t < to).count();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}

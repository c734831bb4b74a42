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

  /** Accepted payments of the run without their final event yet. */
  long open(HttpLoad.Run run) {
    return run.accepted.keySet().stream()
        .filter(id -> !completedAt.containsKey(id) && !failedAt.containsKey(id))
        .count();
  }

  /** Whether the payment had its final event by {@code at} (nanoTime). */
  boolean finalBy(String id, long at) {
    Long completed = completedAt.get(id);
    Long failed = failedAt.get(id);
    return (completed != null && completed <= at) || (failed != null && failed <= at);
  }

  /**
   * Waits, up to {@code limit}, until every accepted payment of the run has its final event;
   * returns their 202->COMPLETED latencies. What is still open then, and what failed, goes to
   * {@code notes}: the phases after go on either way.
   */
  Latencies awaitFinal(HttpLoad.Run run, Duration limit, List<String> notes) {
    long deadline = System.nanoTime() + limit.toNanos();
    long lastReport = System.nanoTime();
    while (true) {
      long open = open(run);
      if (open == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        notes.add(
            "%s: %d of %d accepted payments had no final event after %d s of draining"
                .formatted(run.name, open, run.accepted.size(), limit.toSeconds()));
        break;
      }
      if (System.nanoTime() - lastReport > 5_000_000_000L) {
        Benchmark.progress(
            "  %s: waiting for %d of %d payments to complete", run.name, open, run.accepted.size());
        lastReport = System.nanoTime();
      }
      Benchmark.sleep(200);
    }
    long failed = run.accepted.keySet().stream().filter(failedAt::containsKey).count();
    if (failed > 0) {
      notes.add(run.name + ": " + failed + " payments FAILED");
    }
    return since(run, completedAt);
  }

  /** 202 -> request record consumed, for each accepted payment of the run seen on the topic. */
  Latencies untilRequested(HttpLoad.Run run) {
    return since(run, requestedAt);
  }

  /** For each accepted payment seen in {@code times}: how long after its 202 it was seen there. */
  private static Latencies since(HttpLoad.Run run, Map<String, Long> times) {
    Latencies latencies = new Latencies();
    run.accepted.forEach(
        (id, acceptedAt) -> {
          Long seen = times.get(id);
          if (seen != null) {
            // The record can be consumed before the 202 is read: count that as no lag.
            latencies.add(Math.max(0, seen - acceptedAt));
          }
        });
    return latencies;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}

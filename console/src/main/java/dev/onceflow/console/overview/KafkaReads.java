package dev.onceflow.console.overview;

import dev.onceflow.console.PipelineSettings;
import dev.onceflow.model.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * What the overview reads from Kafka: the workers' lag on the request topic and the records in its
 * dead-letter topic. One Admin client for the application's life, created on first use (so a
 * broker, or a name, that does not resolve at start does not stop the console) and closed on
 * shutdown. Every refresh shares one deadline, so Kafka being down costs a page at most {@code
 * kafka-timeout}.
 */
@Component
class KafkaReads implements DisposableBean {

  /**
   * The figures, or why there are none ({@code unreachable}). A topic not created yet has no
   * figure: null, as opposed to 0.
   */
  record KafkaFigures(String unreachable, Long requestLag, Long deadLetters) {

    static KafkaFigures unreachable(String reason) {
      return new KafkaFigures(reason, null, null);
    }
  }

  private final PipelineSettings settings;
  private final Clock clock;
  private Admin admin;
  private boolean closed;

  KafkaReads(PipelineSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  KafkaFigures read() {
    Instant deadline = clock.instant().plus(settings.kafkaTimeout());
    try {
      Admin kafka = admin();
      Map<String, TopicDescription> topics =
          describe(
              kafka,
              deadline,
              Topics.TRANSACTION_REQUESTED,
              Topics.TRANSACTION_REQUESTED_DEAD_LETTER);
      Long lag = null;
      TopicDescription requests = topics.get(Topics.TRANSACTION_REQUESTED);
      if (requests != null) {
        lag = lag(kafka, partitions(requests), deadline);
      }
      Long deadLetters = null;
      TopicDescription dlt = topics.get(Topics.TRANSACTION_REQUESTED_DEAD_LETTER);
      if (dlt != null) {
        List<TopicPartition> partitions = partitions(dlt);
        Map<TopicPartition, Long> end = offsets(kafka, partitions, OffsetSpec.latest(), deadline);
        Map<TopicPartition, Long> start =
            offsets(kafka, partitions, OffsetSpec.earliest(), deadline);
        deadLetters = partitions.stream().mapToLong(p -> end.get(p) - start.get(p)).sum();
      }
      return new KafkaFigures(null, lag, deadLetters);
    } catch (TimeoutException e) {
      return KafkaFigures.unreachable(
          "no answer within " + settings.kafkaTimeout().toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return KafkaFigures.unreachable("interrupted");
    } catch (ExecutionException e) {
      return KafkaFigures.unreachable(reason(e.getCause()));
    } catch (RuntimeException e) {
      // Admin.create refuses bootstrap names that do not resolve; the next refresh tries again.
      return KafkaFigures.unreachable(reason(e));
    }
  }

  /**
   * Sum over the partitions of end offset − committed offset. A partition the group never committed
   * counts from its beginning: the worker starts there (auto.offset.reset=earliest).
   */
  private Long lag(Admin kafka, List<TopicPartition> partitions, Instant deadline)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetAndMetadata> committed =
        get(
            kafka
                .listConsumerGroupOffsets(settings.workerGroupId())
                .partitionsToOffsetAndMetadata(),
            deadline);
    Map<TopicPartition, Long> end = offsets(kafka, partitions, OffsetSpec.latest(), deadline);
    Map<TopicPartition, Long> start = offsets(kafka, partitions, OffsetSpec.earliest(), deadline);
    long lag = 0;
    for (TopicPartition partition : partitions) {
      // The group's map holds null for a partition without an offset.
      OffsetAndMetadata offset = committed.get(partition);
      // A committed offset below the beginning (records deleted by retention) resumes at it.
      long from =
          offset == null ? start.get(partition) : Math.max(offset.offset(), start.get(partition));
      lag += Math.max(0, end.get(partition) - from);
    }
    return lag;
  }

  /** The topics that exist among those named; an absent one is left out, not an error. */
  private Map<String, TopicDescription> describe(Admin kafka, Instant deadline, String... names)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, KafkaFuture<TopicDescription>> futures =
        kafka.describeTopics(List.of(names)).topicNameValues();
    Map<String, TopicDescription> found = new HashMap<>();
    for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : futures.entrySet()) {
      try {
        found.put(topic.getKey(), get(topic.getValue(), deadline));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
    }
    return found;
  }

  private static List<TopicPartition> partitions(TopicDescription topic) {
    return topic.partitions().stream()
        .map(p -> new TopicPartition(topic.name(), p.partition()))
        .toList();
  }

  private Map<TopicPartition, Long> offsets(
      Admin kafka, List<TopicPartition> partitions, OffsetSpec spec, Instant deadline)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request =
        partitions.stream().collect(Collectors.toMap(Function.identity(), p -> spec));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
        get(kafka.listOffsets(request).all(), deadline);
    return offsets.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  /** Waits for a result until the refresh's deadline, never longer. */
  private <T> T get(KafkaFuture<T> future, Instant deadline)
      throws InterruptedException, ExecutionException, TimeoutException {
    long left = Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
    return future.get(left, TimeUnit.MILLISECONDS);
  }

  private synchronized Admin admin() {
    if (closed) {
      throw new IllegalStateException("the console is shutting down");
    }
    if (admin == null) {
      int timeout = Math.toIntExact(settings.kafkaTimeout().toMillis());
      admin =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  settings.kafkaBootstrapServers(),
                  AdminClientConfig.CLIENT_ID_CONFIG,
                  "onceflow-console",
                  // Each call gives up by itself too, so none is left running past the page.
                  AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                  timeout,
                  AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                  timeout,
                  // Down, the broker is retried at least once per refresh, not backed off to 1 s+.
                  AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                  1000));
    }
    return admin;
  }

  private static String reason(Throwable e) {
    String message = Optional.ofNullable(e.getMessage()).orElse("");
    return message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  @Override
  public synchronized void destroy() {
    closed = true;
    if (admin != null) {
      admin.close(Duration.ofSeconds(1));
      admin = null;
    }
  }
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;

/**
 * Publishes records the worker cannot read to the dead-letter topic, unchanged, with spring-kafka's
 * standard {@code kafka_dlt-*} headers (original topic, partition, offset, exception) plus {@link
 * Topics#DEAD_LETTER_REASON_HEADER}, so that ops can inspect and replay them.
 */
@Component
class DeadLetters {

  private final DeadLetterPublishingRecoverer recoverer;
  private final SettlementMetrics metrics;

  DeadLetters(KafkaOperations<?, ?> kafka, SettlementMetrics metrics) {
    this.metrics = metrics;
    // Partition -1: the producer picks one (the topic has a single partition).
    this.recoverer =
        new DeadLetterPublishingRecoverer(
            kafka,
            (record, exception) ->
                new TopicPartition(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, -1));
    recoverer.excludeHeader(DeadLetterPublishingRecoverer.HeaderNames.HeadersToAdd.EX_STACKTRACE);
    recoverer.addHeadersFunction(
        (record, exception) -> {
          RecordHeaders headers = new RecordHeaders();
          String reason =
              exception instanceof InvalidRequestException invalid ? invalid.reason() : "unknown";
          headers.add(Topics.DEAD_LETTER_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
          return headers;
        });
  }

  /** Publishes and waits for the broker's acknowledgement; throws if the record was not stored. */
  void publish(ConsumerRecord<?, ?> record, InvalidRequestException reason) {
    recoverer.accept(record, null, reason);
    metrics.deadLettered(reason.reason());
  }
}

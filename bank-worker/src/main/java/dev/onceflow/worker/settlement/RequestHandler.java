package dev.onceflow.worker.settlement;

import dev.onceflow.model.EventType;
import dev.onceflow.model.TransactionEvent;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.kafka.support.micrometer.KafkaRecordReceiverContext;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * What one TransactionRequested record gets, on a worker thread: parsed (or parked on the
 * dead-letter topic), then processed inside the trace its {@code traceparent} header continues (the
 * client's, through the outbox and the relay), with the transaction's ids in the logs. Returns once
 * the outcome is committed in the DB or the record is given up, so its offset may then be
 * committed.
 */
@Component
class RequestHandler {

  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

  private final SettlementProcessor processor;
  private final DeadLetters deadLetters;
  private final SettlementMetrics metrics;
  private final JsonMapper json;
  private final ObservationRegistry observations;

  /**
   * An exception out of the processor (the DB is unreachable, a bug) is retried with backoff for
   * about a minute, holding the record's slot, then the record is given up. That loses nothing: the
   * row keeps its state and lease in the DB, and the sweeper enqueues it again.
   */
  private final RetryTemplate retry =
      new RetryTemplate(
          RetryPolicy.builder()
              .delay(Duration.ofMillis(500))
              .multiplier(2)
              .maxDelay(Duration.ofSeconds(10))
              .timeout(Duration.ofSeconds(60))
              .maxRetries(Long.MAX_VALUE)
              .build());

  RequestHandler(
      SettlementProcessor processor,
      DeadLetters deadLetters,
      SettlementMetrics metrics,
      JsonMapper json,
      ObjectProvider<ObservationRegistry> observations) {
    this.processor = processor;
    this.deadLetters = deadLetters;
    this.metrics = metrics;
    this.json = json;
    this.observations = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
  }

  void handle(ConsumerRecord<String, String> record) {
    Observation.createNotStarted(
            "onceflow.worker.requests",
            () -> new KafkaRecordReceiverContext(record, "transaction-requested", () -> null),
            observations)
        .observe(() -> handleObserved(record));
  }

  private void handleObserved(ConsumerRecord<String, String> record) {
    TransactionEvent event;
    try {
      event = parse(record.value());
    } catch (InvalidRequestException e) {
      // A poison record would otherwise hold its partition's offset back forever: park it.
      log.warn(
          "Dead-lettering {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      try {
        retry.execute(
            () -> {
              deadLetters.publish(record, e);
              return null;
            });
      } catch (RetryException failed) {
        giveUp(record, failed);
      }
      return;
    }
    try (TransactionLogContext ignored =
        TransactionLogContext.open(event.eventId(), event.transactionId())) {
      retry.execute(
          () -> {
            processor.process(event.transactionId());
            return null;
          });
    } catch (RetryException failed) {
      giveUp(record, failed);
    }
  }

  private void giveUp(ConsumerRecord<String, String> record, RetryException failed) {
    log.error(
        "Giving up on {}-{}@{} (key {}); the recovery sweeper will re-drive its transaction",
        record.topic(),
        record.partition(),
        record.offset(),
        record.key(),
        failed.getCause());
    metrics.unprocessed();
  }

  private TransactionEvent parse(String value) {
    if (value == null) {
      throw new InvalidRequestException("unparseable", "the record has no value");
    }
    TransactionEvent event;
    try {
      event = json.readValue(value, TransactionEvent.class);
    } catch (RuntimeException e) {
      // Jackson wraps the record's own validation (unknown type, missing ids) as well.
      throw new InvalidRequestException("unparseable", "not a TransactionEvent: " + e.getMessage());
    }
    if (event == null) {
      throw new InvalidRequestException("unparseable", "the value is JSON null");
    }
    if (event.eventType() != EventType.TRANSACTION_REQUESTED) {
      throw new InvalidRequestException("unexpected-type", "unexpected event type " + event.type());
    }
    return event;
  }
}

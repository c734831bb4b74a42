package dev.onceflow.worker.settlement;

import dev.onceflow.model.EventType;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes TransactionRequested events. The offset of a record is committed only after its outcome
 * is committed in the DB (manual acks): a crash in between redelivers the record, and the claim
 * makes the redelivery harmless.
 */
@Component
class TransactionRequestListener {

  static final String GROUP_ID = "bank-worker";

  private static final Logger log = LoggerFactory.getLogger(TransactionRequestListener.class);

  private final SettlementProcessor processor;
  private final DeadLetters deadLetters;
  private final JsonMapper json;

  TransactionRequestListener(SettlementProcessor processor, DeadLetters deadLetters, JsonMapper json) {
    this.processor = processor;
    this.deadLetters = deadLetters;
    this.json = json;
  }

  @KafkaListener(
      id = "transaction-requested",
      topics = Topics.TRANSACTION_REQUESTED,
      groupId = GROUP_ID,
      concurrency = "${onceflow.worker.concurrency:3}",
      properties = {"auto.offset.reset=earliest", "enable.auto.commit=false"})
  void onTransactionRequested(ConsumerRecord<String, String> record, Acknowledgment ack) {
    TransactionEvent event;
    try {
      event = parse(record.value());
    } catch (InvalidRequestException e) {
      // A poison record would otherwise block its partition forever: park it and move on.
      log.warn(
          "Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
      deadLetters.publish(record, e);
      ack.acknowledge();
      return;
    }
    try (TransactionLogContext ignored = TransactionLogContext.open(event.transactionId())) {
      processor.process(event.transactionId());
    }
    ack.acknowledge();
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

package dev.onceflow.intake.transaction;

import dev.onceflow.model.EventType;
import dev.onceflow.model.TransactionEvent;
import java.time.Instant;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** Publishes an event by writing it to the outbox inside the caller's DB transaction. */
@Component
class Outbox {

  private final OutboxRepository outbox;
  private final JsonMapper json;

  Outbox(OutboxRepository outbox, JsonMapper json) {
    this.outbox = outbox;
    this.json = json;
  }

  @Transactional(propagation = Propagation.MANDATORY)
  void publish(EventType type, UUID transactionId, Instant now) {
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    outbox.insert(
        event.eventId(),
        type.stream(),
        transactionId.toString(),
        type.wireName(),
        json.writeValueAsString(event));
    // Deleted at once: the WAL already holds the insert, and an empty table costs nothing to scan.
    outbox.delete(event.eventId());
  }
}

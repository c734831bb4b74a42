package dev.onceflow.worker.outbox;

import dev.onceflow.model.EventType;
import dev.onceflow.model.TransactionEvent;
import java.time.Instant;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** Writes events to the transactional outbox, inside the DB transaction whose change they announce. */
@Component
public class OutboxWriter {

  private final OutboxRepository outbox;
  private final JsonMapper json;

  public OutboxWriter(OutboxRepository outbox, JsonMapper json) {
    this.outbox = outbox;
    this.json = json;
  }

  /** Appends one event about {@code transactionId}; only valid inside a DB transaction. */
  @Transactional(propagation = Propagation.MANDATORY)
  public TransactionEvent append(EventType type, UUID transactionId, Instant now) {
    TransactionEvent event = TransactionEvent.of(type, transactionId, now);
    int inserted =
        outbox.insertEvent(
            event.eventId(),
            type.stream(),
            transactionId.toString(),
            type.wireName(),
            json.writeValueAsString(event));
    if (inserted != 1) {
      throw new IllegalStateException("outbox insert wrote " + inserted + " rows");
    }
    // Deleted in the same DB transaction: the WAL still carries the insert to the relay, and the
    // table never grows.
    outbox.deleteEvent(event.eventId());
    return event;
  }
}

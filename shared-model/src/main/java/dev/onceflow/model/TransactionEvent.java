package dev.onceflow.model;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The small event the outbox carries. Consumers read the transaction row, not the event, so the
 * event only names the transaction and what happened.
 *
 * @param eventId unique per outbox row; lets consumers spot redeliveries
 * @param transactionId the transaction concerned; also the Kafka record key
 * @param type the wire name of the {@link EventType}
 * @param occurredAt when the DB transaction that wrote the event ran
 */
public record TransactionEvent(UUID eventId, UUID transactionId, String type, Instant occurredAt) {

  public TransactionEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(occurredAt, "occurredAt");
    EventType.fromWireName(type);
  }

  /** A new event with a fresh id. */
  public static TransactionEvent of(EventType type, UUID transactionId, Instant occurredAt) {
    return new TransactionEvent(UUID.randomUUID(), transactionId, type.wireName(), occurredAt);
  }

  /** The parsed {@link #type()}. */
  public EventType eventType() {
    return EventType.fromWireName(type);
  }
}

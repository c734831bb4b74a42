package dev.onceflow.model;

/** The events Onceflow publishes through its outbox, each on its own stream. */
public enum EventType {
  /** A transaction is waiting for a worker (new, retried or re-enqueued by the sweeper). */
  TRANSACTION_REQUESTED("TransactionRequested", Topics.REQUESTED_STREAM),
  /** The bank settled the payment. */
  TRANSACTION_COMPLETED("TransactionCompleted", Topics.EVENTS_STREAM),
  /** The transaction failed for good; funds were released. */
  TRANSACTION_FAILED("TransactionFailed", Topics.EVENTS_STREAM),
  /** The client cancelled it before anything was sent to the bank; funds were released. */
  TRANSACTION_CANCELLED("TransactionCancelled", Topics.EVENTS_STREAM);

  private final String wireName;
  private final String stream;

  EventType(String wireName, String stream) {
    this.wireName = wireName;
    this.stream = stream;
  }

  /** The name written to the outbox's {@code type} column and the event's {@code type} field. */
  public String wireName() {
    return wireName;
  }

  /** The outbox {@code aggregatetype}: which topic the relay routes the event to. */
  public String stream() {
    return stream;
  }

  /** The events clients receive (each final state, and cancellation): the events stream's. */
  public static java.util.List<EventType> clientEvents() {
    return java.util.Arrays.stream(values())
        .filter(type -> type.stream.equals(Topics.EVENTS_STREAM))
        .toList();
  }

  /** The event type with this wire name. */
  public static EventType fromWireName(String name) {
    for (EventType type : values()) {
      if (type.wireName.equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown event type: " + name);
  }
}

package dev.onceflow.model;

/** Kafka topic names and the outbox streams that feed them. */
public final class Topics {

  /** Prefix the relay puts before an outbox row's {@code aggregatetype} to name its topic. */
  public static final String PREFIX = "payments.";

  /** Outbox stream of {@link EventType#TRANSACTION_REQUESTED}. */
  public static final String REQUESTED_STREAM = "transaction-requested";

  /** Outbox stream of completion events for downstream consumers. */
  public static final String EVENTS_STREAM = "transaction-events";

  /** Requests for a worker to process a transaction; key = transaction id. */
  public static final String TRANSACTION_REQUESTED = PREFIX + REQUESTED_STREAM;

  /** TransactionCompleted / TransactionFailed / TransactionCancelled; key = transaction id. */
  public static final String TRANSACTION_EVENTS = PREFIX + EVENTS_STREAM;

  /** Records of the request topic that could not be parsed. */
  public static final String TRANSACTION_REQUESTED_DEAD_LETTER = TRANSACTION_REQUESTED + ".dlt";

  /**
   * Header of a dead letter: a short label of why the worker parked it (unparseable,
   * unexpected-type), which the ops commands and the console show.
   */
  public static final String DEAD_LETTER_REASON_HEADER = "onceflow-dlt-reason";

  private Topics() {}
}

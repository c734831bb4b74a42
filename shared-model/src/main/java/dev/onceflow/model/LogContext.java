package dev.onceflow.model;

/**
 * Names of the logging context (MDC) entries that every log line about a transaction carries, so
 * that one grep for any of a transaction's identifiers finds all of its lines in every service.
 */
public final class LogContext {

  /** The transaction's id (Onceflow's own). */
  public static final String TRANSACTION_ID = "transactionId";

  /** The client's Idempotency-Key of the transaction; absent for a draft created without one. */
  public static final String IDEMPOTENCY_KEY = "idempotencyKey";

  /** The key the bank knows the payment by (its Idempotency-Key). */
  public static final String EXTERNAL_KEY = "externalKey";

  /** The id of the event (outbox row, Kafka record) the line is about. */
  public static final String EVENT_ID = "eventId";

  private LogContext() {}
}

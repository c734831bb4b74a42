package dev.onceflow.worker.settlement;

import dev.onceflow.model.LogContext;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * The identifiers of the transaction a listener thread is working on, in the logging context, so
 * that every log line of its processing (the bank client's included) names the event, the
 * transaction, the client's Idempotency-Key and the bank's key. Opened per record: listener threads
 * are reused.
 */
final class TransactionLogContext implements AutoCloseable {

  private TransactionLogContext() {}

  /** The record names its event and transaction; the keys follow once the row is read. */
  static TransactionLogContext open(UUID eventId, UUID transactionId) {
    MDC.put(LogContext.EVENT_ID, eventId.toString());
    MDC.put(LogContext.TRANSACTION_ID, transactionId.toString());
    return new TransactionLogContext();
  }

  static void describe(String idempotencyKey, String externalKey) {
    if (idempotencyKey != null) {
      MDC.put(LogContext.IDEMPOTENCY_KEY, idempotencyKey);
    }
    if (externalKey != null) {
      MDC.put(LogContext.EXTERNAL_KEY, externalKey);
    }
  }

  @Override
  public void close() {
    MDC.remove(LogContext.EVENT_ID);
    MDC.remove(LogContext.TRANSACTION_ID);
    MDC.remove(LogContext.IDEMPOTENCY_KEY);
    MDC.remove(LogContext.EXTERNAL_KEY);
  }
}

package dev.onceflow.intake.transaction;

import dev.onceflow.model.LogContext;
import dev.onceflow.model.TransactionEvent;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * Puts the identifiers of the transaction a request works on into the logging context, as soon as
 * the transaction is known, so that every later log line of the request (errors included) names it.
 * The web layer clears them when the request ends: request threads are pooled.
 */
public final class TransactionLogContext {

  private TransactionLogContext() {}

  static void describe(UUID transactionId, String idempotencyKey, String externalKey) {
    MDC.put(LogContext.TRANSACTION_ID, transactionId.toString());
    MDC.put(LogContext.EXTERNAL_KEY, externalKey);
    if (idempotencyKey != null) {
      MDC.put(LogContext.IDEMPOTENCY_KEY, idempotencyKey);
    }
  }

  /** The event the request wrote about the transaction. */
  static void describe(TransactionEvent event) {
    MDC.put(LogContext.EVENT_ID, event.eventId().toString());
  }

  /** Removes what {@link #describe} put there. */
  public static void clear() {
    MDC.remove(LogContext.EVENT_ID);
    MDC.remove(LogContext.TRANSACTION_ID);
    MDC.remove(LogContext.IDEMPOTENCY_KEY);
    MDC.remove(LogContext.EXTERNAL_KEY);
  }
}

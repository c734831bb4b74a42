package dev.onceflow.worker.settlement;

import dev.onceflow.worker.bank.PaymentOrder;
import java.time.Instant;
import java.util.UUID;

/**
 * A transaction this worker holds in PROCESSING, as read right after the claim.
 *
 * @param version the row's version after the claim: every outcome UPDATE requires it, so a worker
 *     whose lease was taken over loses
 * @param attempts the claim's attempt number (1 for the first)
 * @param idempotencyKey the client's Idempotency-Key (for the logs; the bank gets externalKey)
 * @param firstAttemptAt when the first claim of the current round of attempts was made; the
 *     worker's deadline counts from it
 */
record ClaimedTransaction(
    UUID id,
    long version,
    int attempts,
    UUID accountId,
    long amount,
    String currency,
    String creditorName,
    String creditorIban,
    String reference,
    String externalKey,
    String idempotencyKey,
    Instant firstAttemptAt) {

  /** The bank call: always the stored key, never a new one. */
  PaymentOrder order() {
    return new PaymentOrder(
        externalKey,
        new PaymentOrder.Request(
            amount, currency, creditorName, creditorIban, id.toString(), reference));
  }
}

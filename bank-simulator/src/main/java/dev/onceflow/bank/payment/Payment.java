package dev.onceflow.bank.payment;

import java.time.Instant;

/**
 * The stored result of the first call for an idempotency key, as the ledger shows it.
 *
 * @param status SETTLED, or DECLINED for a refused payment (stored like any result)
 * @param declineReason why a DECLINED payment was refused; null when settled
 * @param calls how many calls arrived for the key, the first one included
 */
public record Payment(
    String paymentId,
    String idempotencyKey,
    String endToEndReference,
    long amount,
    String currency,
    String creditorIban,
    String status,
    String declineReason,
    int calls,
    Instant createdAt) {

  public static final String SETTLED = "SETTLED";
  public static final String DECLINED = "DECLINED";

  Payment withCalls(int newCalls) {
    return new Payment(
        paymentId,
        idempotencyKey,
        endToEndReference,
        amount,
        currency,
        creditorIban,
        status,
        declineReason,
        newCalls,
        createdAt);
  }
}

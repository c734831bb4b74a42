package dev.onceflow.bank.payment;

import java.time.Instant;

/**
 * The stored result of the first call for an idempotency key, as the ledger shows it.
 *
 * @param status SETTLED, or DECLINED for a refused payment (stored like any result)
 * @param declineReason why a DECLINED payment was refused; null when settled
 * @param declineStatus the HTTP status a DECLINED payment is answered with (402 or 422), every time
 *     its key is sent again; null when settled
 * @param calls how many calls for the key reached the ledger, the first one included (calls that an
 *     injected fault refused before executing are not counted)
 * @param traceparent the W3C {@code traceparent} header of the first call, null if it had none:
 *     how a payment here is matched to the trace its client started
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
    Integer declineStatus,
    int calls,
    Instant createdAt,
    String traceparent) {

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
        declineStatus,
        newCalls,
        createdAt,
        traceparent);
  }
}

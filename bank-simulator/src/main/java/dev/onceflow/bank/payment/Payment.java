package dev.onceflow.bank.payment;

import java.time.Instant;

/**
 * The stored result of the first call for an idempotency key, as the ledger shows it.
 *
 * @param remittanceInformation the payer's reference, as the first call sent it
 * @param status SETTLED; DECLINED for a refused payment (stored like any result); PENDING for one
 *     accepted but not settled yet, which later turns SETTLED or DECLINED
 * @param declineReason why a DECLINED payment was refused; null otherwise
 * @param declineStatus the HTTP status a DECLINED payment is answered with (402 or 422), every time
 *     its key is sent again; null otherwise
 * @param calls how many calls for the key reached the ledger, the first one included (calls that an
 *     injected fault refused before executing are not counted)
 * @param executions how many times the bank executed a new payment under the key, counted where it
 *     executes one: 1, unless the bank itself is broken and executed it twice
 * @param maxConcurrentCalls the most {@code POST /payments} calls with the key that were open at
 *     the bank at the same time, each from its arrival until its answer was written or abandoned: 1
 *     for a client that never sends a key again before its previous call ended
 * @param traceparent the W3C {@code traceparent} header of the first call, null if it had none: how
 *     a payment here is matched to the trace its client started
 */
public record Payment(
    String paymentId,
    String idempotencyKey,
    String endToEndReference,
    long amount,
    String currency,
    String creditorIban,
    String remittanceInformation,
    String status,
    String declineReason,
    Integer declineStatus,
    int calls,
    int executions,
    int maxConcurrentCalls,
    Instant createdAt,
    String traceparent) {

  public static final String SETTLED = "SETTLED";
  public static final String DECLINED = "DECLINED";
  public static final String PENDING = "PENDING";

  /** This payment with new call counts (the calls with its key, the most open at once). */
  Payment withCounts(int newCalls, int newMaxConcurrentCalls) {
    return new Payment(
        paymentId,
        idempotencyKey,
        endToEndReference,
        amount,
        currency,
        creditorIban,
        remittanceInformation,
        status,
        declineReason,
        declineStatus,
        newCalls,
        executions,
        newMaxConcurrentCalls,
        createdAt,
        traceparent);
  }

  /** This payment SETTLED, or DECLINED with {@code declineStatus} and {@code declineReason}. */
  Payment resolved(String newStatus, String newDeclineReason, Integer newDeclineStatus) {
    return new Payment(
        paymentId,
        idempotencyKey,
        endToEndReference,
        amount,
        currency,
        creditorIban,
        remittanceInformation,
        newStatus,
        newDeclineReason,
        newDeclineStatus,
        calls,
        executions,
        maxConcurrentCalls,
        createdAt,
        traceparent);
  }
}

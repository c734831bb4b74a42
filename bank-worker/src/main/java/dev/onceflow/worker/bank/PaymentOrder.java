package dev.onceflow.worker.bank;

import dev.onceflow.store.ClaimedTransaction;
import java.util.Objects;

/**
 * One payment as the worker asks the bank for it.
 *
 * @param idempotencyKey the transaction's stored external key; every call for the transaction sends
 *     the same one, so the bank executes the payment at most once
 * @param request the body; built only from the transaction row, so a retry sends the same bytes
 */
public record PaymentOrder(String idempotencyKey, Request request) {

  public PaymentOrder {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(request, "request");
  }

  /** The call for a claimed transaction: always its stored key, never a new one. */
  public static PaymentOrder of(ClaimedTransaction tx) {
    return new PaymentOrder(
        tx.externalKey(),
        new Request(
            tx.amount(),
            tx.currency(),
            tx.creditorName(),
            tx.creditorIban(),
            tx.id().toString(),
            tx.reference()));
  }

  /**
   * The JSON body of {@code POST /payments}.
   *
   * @param endToEndReference the Onceflow transaction id, so the bank's ledger names the
   *     transaction
   */
  public record Request(
      long amount,
      String currency,
      String creditorName,
      String creditorIban,
      String endToEndReference,
      String remittanceInformation) {}
}

package dev.onceflow.intake.transaction.web;

import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.model.TransactionState;
import java.time.Instant;
import java.util.UUID;

/**
 * A transaction as clients see it, with the ids that find it elsewhere: its Idempotency-Key and the
 * trace id of its submission.
 */
record TransactionView(
    UUID id,
    TransactionState state,
    UUID accountId,
    long amount,
    String currency,
    Creditor creditor,
    String reference,
    int attempts,
    String bankReference,
    Failure failure,
    String idempotencyKey,
    String traceId,
    Instant createdAt,
    Instant updatedAt) {

  record Creditor(String name, String iban) {}

  record Failure(String code, String detail) {}

  static TransactionView of(PaymentTransaction tx) {
    return new TransactionView(
        tx.getId(),
        tx.getState(),
        tx.getAccountId(),
        tx.getAmount(),
        tx.getCurrency(),
        new Creditor(tx.getCreditorName(), tx.getCreditorIban()),
        tx.getReference(),
        tx.getAttempts(),
        tx.getBankReference(),
        tx.getFailureCode() == null
            ? null
            : new Failure(tx.getFailureCode().name(), tx.getFailureDetail()),
        tx.getIdempotencyKey(),
        tx.getTraceId(),
        tx.getCreatedAt(),
        tx.getUpdatedAt());
  }
}

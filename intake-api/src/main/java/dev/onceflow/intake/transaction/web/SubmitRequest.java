package dev.onceflow.intake.transaction.web;

import java.util.UUID;

/** The JSON body of POST /transactions, before validation. */
record SubmitRequest(
    UUID accountId, Long amount, String currency, Creditor creditor, String reference) {

  record Creditor(String name, String iban) {}
}

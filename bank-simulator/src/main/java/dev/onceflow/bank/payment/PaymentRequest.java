package dev.onceflow.bank.payment;

/**
 * What a client asks the bank to pay.
 *
 * @param endToEndReference the payer's own reference (Onceflow sends its transaction id), kept in
 *     the ledger so that tests can tell which transaction each payment belongs to
 */
public record PaymentRequest(
    long amount,
    String currency,
    String creditorName,
    String creditorIban,
    String endToEndReference,
    String remittanceInformation) {}

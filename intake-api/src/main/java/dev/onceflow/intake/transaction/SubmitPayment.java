package dev.onceflow.intake.transaction;

import dev.onceflow.intake.PlainText;
import dev.onceflow.intake.account.Currencies;
import dev.onceflow.intake.account.MaxAmount;
import dev.onceflow.intake.refusal.Refusal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A validated payment request: what a client asked for, normalised (IBAN without spaces, upper
 * case), so that two requests meaning the same payment have the same {@link #fingerprint()}.
 */
public record SubmitPayment(
    UUID accountId,
    long amount,
    String currency,
    String creditorName,
    String creditorIban,
    String reference) {

  static final int MAX_NAME = 140;
  static final int MAX_REFERENCE = 140;

  /** Validates the raw request fields; any problem is a 400 naming the field. */
  public static SubmitPayment validate(
      UUID accountId,
      Long amount,
      MaxAmount maxAmount,
      String currency,
      String creditorName,
      String creditorIban,
      String reference) {
    if (accountId == null) {
      throw invalid("accountId", "is required");
    }
    Currencies.requirePayable(currency);
    long max = maxAmount.minorUnits(currency);
    if (amount == null || amount <= 0 || amount > max) {
      throw invalid(
          "amount",
          "must be a positive integer of minor units (%s has %d decimals), at most %d"
              .formatted(currency, Currencies.minorDigits(currency), max));
    }
    if (creditorName == null || creditorName.isBlank() || creditorName.length() > MAX_NAME) {
      throw invalid("creditor.name", "is required, at most " + MAX_NAME + " characters");
    }
    if (!PlainText.isPlain(creditorName)) {
      throw invalid(
          "creditor.name",
          "must not contain control or invisible format characters, or broken Unicode");
    }
    String iban = creditorIban == null ? "" : creditorIban.replace(" ", "").toUpperCase();
    if (!isValidIban(iban)) {
      throw invalid("creditor.iban", "is not a valid IBAN");
    }
    if (reference != null && reference.length() > MAX_REFERENCE) {
      throw invalid("reference", "must be at most " + MAX_REFERENCE + " characters");
    }
    if (reference != null && !PlainText.isPlain(reference)) {
      throw invalid(
          "reference",
          "must not contain control or invisible format characters, or broken Unicode");
    }
    return new SubmitPayment(accountId, amount, currency, creditorName.strip(), iban, reference);
  }

  /** ISO 13616: country, check digits, then the account; mod 97 of the rearranged number is 1. */
  static boolean isValidIban(String iban) {
    if (!iban.matches("[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")) {
      return false;
    }
    String rearranged = iban.substring(4) + iban.substring(0, 4);
    StringBuilder digits = new StringBuilder();
    for (char c : rearranged.toCharArray()) {
      digits.append(Character.getNumericValue(c));
    }
    return new BigInteger(digits.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
  }

  /**
   * SHA-256 of the request's meaningful content, each field length-prefixed so that no two
   * different requests share a canonical form. Stored with the Idempotency-Key.
   */
  public String fingerprint() {
    return sha256(canonical());
  }

  /**
   * The fingerprint of the same content sent to create a draft: it differs from {@link
   * #fingerprint()}, so a key used for one kind of request is refused (422) for the other.
   */
  public String draftFingerprint() {
    return sha256(canonical().append("5:draft;"));
  }

  private StringBuilder canonical() {
    StringBuilder canonical = new StringBuilder();
    for (String field :
        new String[] {
          accountId.toString(),
          Long.toString(amount),
          currency,
          creditorName,
          creditorIban,
          reference == null ? "\0" : reference
        }) {
      canonical.append(field.length()).append(':').append(field).append(';');
    }
    return canonical;
  }

  private static String sha256(CharSequence text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static Refusal invalid(String field, String rule) {
    return Refusal.badRequest(
        "invalid-request", "Invalid payment request", "'" + field + "' " + rule + ".");
  }
}

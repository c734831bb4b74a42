package dev.onceflow.intake.account;

import dev.onceflow.intake.refusal.Refusal;
import java.util.Currency;

/** ISO 4217 currency codes, as the JDK knows them. */
public final class Currencies {

  private Currencies() {}

  /** The code itself if it is a known ISO 4217 code, else a 400. */
  public static String requireIso4217(String code) {
    if (code == null || !code.matches("[A-Z]{3}")) {
      throw invalid(code);
    }
    try {
      Currency.getInstance(code);
    } catch (IllegalArgumentException e) {
      throw invalid(code);
    }
    return code;
  }

  private static Refusal invalid(String code) {
    return Refusal.badRequest(
        "invalid-currency",
        "Invalid currency",
        "'currency' must be an ISO 4217 code such as EUR; got "
            + (code == null ? "nothing" : "'" + code + "'")
            + ".");
  }
}

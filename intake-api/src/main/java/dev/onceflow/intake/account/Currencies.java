package dev.onceflow.intake.account;

import dev.onceflow.intake.refusal.Refusal;
import java.util.Currency;
import java.util.Set;

/** ISO 4217 currency codes, as the JDK knows them, and which of them money can be paid in. */
public final class Currencies {

  /**
   * ISO 4217 codes that are not money one pays a creditor in: precious metals (XAU, XAG, XPT, XPD),
   * bond-market units (XBA-XBD), the IMF's SDR (XDR), the SUCRE (XSU), the ADB unit (XUA), the
   * testing code XTS and XXX, "no currency". XAF, XOF, XCD and XPF are real currencies.
   */
  static final Set<String> NOT_MONEY =
      Set.of(
          "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA",
          "XXX");

  private Currencies() {}

  /** The code itself if it is a known ISO 4217 code money can be paid in, else a 400. */
  public static String requirePayable(String code) {
    Currency currency = known(code);
    if (NOT_MONEY.contains(code) || currency.getDefaultFractionDigits() < 0) {
      throw Refusal.badRequest(
          "invalid-currency",
          "Invalid currency",
          "'currency' must be a currency payments are made in; '"
              + code
              + "' is an ISO 4217 code for a metal, a unit of account or testing.");
    }
    return code;
  }

  /** Digits after the decimal point of a payable currency's minor unit: EUR 2, JPY 0, BHD 3. */
  public static int minorDigits(String code) {
    return known(requirePayable(code)).getDefaultFractionDigits();
  }

  private static Currency known(String code) {
    if (code == null || !code.matches("[A-Z]{3}")) {
      throw invalid(code);
    }
    try {
      return Currency.getInstance(code);
    } catch (IllegalArgumentException e) {
      throw invalid(code);
    }
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

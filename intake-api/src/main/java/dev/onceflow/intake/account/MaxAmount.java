package dev.onceflow.intake.account;

import dev.onceflow.model.InvalidSettingException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The largest amount one transaction may carry, set in major units (a billion by default: of euros,
 * yen or dinars alike) and enforced in each currency's minor units, so the same setting means 10^9
 * yen (no minor unit), 10^11 euro cents and 10^12 fils (BHD has 3 decimals). A currency may have a
 * limit of its own.
 *
 * @param majorUnits the limit of every currency without one of its own
 * @param byCurrency limits by ISO 4217 code, also in major units
 */
public record MaxAmount(
    @DefaultValue("1000000000") BigDecimal majorUnits, Map<String, BigDecimal> byCurrency) {

  public MaxAmount {
    // Whole: it also applies to currencies without a minor unit.
    requireValid("onceflow.intake.max-amount.major-units", majorUnits, 0);
    Map<String, BigDecimal> limits = new TreeMap<>();
    if (byCurrency != null) {
      byCurrency.forEach(
          (code, limit) -> {
            String currency = code.toUpperCase(Locale.ROOT);
            String setting = "onceflow.intake.max-amount.by-currency." + currency;
            int digits;
            try {
              digits = Currencies.minorDigits(currency);
            } catch (RuntimeException e) {
              throw new InvalidSettingException(
                  setting + ": '" + code + "' is not an ISO 4217 currency payments are made in");
            }
            requireValid(setting, limit, digits);
            limits.put(currency, limit);
          });
    }
    byCurrency = Map.copyOf(limits);
  }

  /** The limit for a payable {@code currency}, in its minor units. */
  public long minorUnits(String currency) {
    BigDecimal limit = byCurrency.getOrDefault(currency, majorUnits);
    BigDecimal minor = limit.movePointRight(Currencies.minorDigits(currency));
    // Far beyond any real limit; an amount is a long.
    return minor.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0
        ? Long.MAX_VALUE
        : minor.longValueExact();
  }

  private static void requireValid(String setting, BigDecimal limit, int digits) {
    if (limit == null || limit.signum() <= 0) {
      throw new InvalidSettingException(setting + " must be a positive amount, is " + limit);
    }
    if (limit.stripTrailingZeros().scale() > digits) {
      throw new InvalidSettingException(
          setting
              + " ("
              + limit
              + ") has more decimals than the currency's minor unit ("
              + digits
              + ")");
    }
  }
}

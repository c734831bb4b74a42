package dev.onceflow.intake.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.model.InvalidSettingException;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaxAmountTest {

  @Test
  void oneSettingInMajorUnitsIsEnforcedInEachCurrencysMinorUnits() {
    MaxAmount max = new MaxAmount(new BigDecimal("1000000000"), null);

    assertThat(max.minorUnits("EUR")).isEqualTo(100_000_000_000L);
    assertThat(max.minorUnits("JPY")).isEqualTo(1_000_000_000L);
    assertThat(max.minorUnits("BHD")).isEqualTo(1_000_000_000_000L);
  }

  @Test
  void aCurrencyMayHaveALimitOfItsOwnGivenInAnyCase() {
    MaxAmount max =
        new MaxAmount(
            new BigDecimal("1000"),
            Map.of("jpy", new BigDecimal("150000"), "EUR", new BigDecimal("2500.50")));

    assertThat(max.minorUnits("JPY")).isEqualTo(150_000);
    assertThat(max.minorUnits("EUR")).isEqualTo(250_050);
    assertThat(max.minorUnits("USD")).isEqualTo(100_000);
  }

  @Test
  void refusesALimitTheCurrencyCannotExpressOrThatIsNotPositive() {
    assertThatThrownBy(
            () -> new MaxAmount(new BigDecimal("1000"), Map.of("JPY", new BigDecimal("10.5"))))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage(
            "onceflow.intake.max-amount.by-currency.JPY (10.5) has more decimals than the"
                + " currency's minor unit (0)");
    assertThatThrownBy(() -> new MaxAmount(new BigDecimal("0.5"), null))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageContaining("onceflow.intake.max-amount.major-units");
    assertThatThrownBy(() -> new MaxAmount(BigDecimal.ZERO, null))
        .hasMessage("onceflow.intake.max-amount.major-units must be a positive amount, is 0");
    assertThatThrownBy(() -> new MaxAmount(BigDecimal.TEN, Map.of("XAU", BigDecimal.ONE)))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageContaining("'XAU' is not an ISO 4217 currency payments are made in");
  }
}

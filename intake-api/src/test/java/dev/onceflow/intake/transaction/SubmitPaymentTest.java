package dev.onceflow.intake.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.intake.account.MaxAmount;
import dev.onceflow.intake.refusal.Refusal;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SubmitPaymentTest {

  private static final UUID ACCOUNT = UUID.fromString("187b3fa8-e1fb-3af0-bed3-6c5c13867302");

  /** 100 in every currency: 10000 euro cents, 100 yen, 100000 fils. */
  private static final MaxAmount MAX = new MaxAmount(BigDecimal.valueOf(100), Map.of());

  @Test
  void normalisesTheIbanSoThatSpacingDoesNotChangeTheFingerprint() {
    SubmitPayment spaced = payment("de89 3704 0044 0532 0130 00", "invoice 42");
    SubmitPayment plain = payment("DE89370400440532013000", "invoice 42");

    assertThat(spaced.creditorIban()).isEqualTo("DE89370400440532013000");
    assertThat(spaced.fingerprint()).isEqualTo(plain.fingerprint());
  }

  @Test
  void aDraftOfTheSamePaymentHasAnotherFingerprint() {
    SubmitPayment payment = payment("DE89370400440532013000", "invoice 42");

    assertThat(payment.draftFingerprint()).isNotEqualTo(payment.fingerprint()).hasSize(64);
  }

  @Test
  void tellsAMissingReferenceFromAnEmptyOne() {
    assertThat(payment("DE89370400440532013000", null).fingerprint())
        .isNotEqualTo(payment("DE89370400440532013000", "").fingerprint());
  }

  @Test
  void refusesABadIbanChecksumAndAnAmountOverTheMaximum() {
    assertThatThrownBy(() -> payment("DE00370400440532013000", null)).isInstanceOf(Refusal.class);
    assertThatThrownBy(
            () ->
                SubmitPayment.validate(
                    ACCOUNT, 10_001L, MAX, "EUR", "ACME", "DE89370400440532013000", null))
        .isInstanceOf(Refusal.class)
        .hasMessageContaining("at most 10000");
  }

  @Test
  void theMaximumFollowsEachCurrencysMinorUnit() {
    assertThat(amountRefused(101, "JPY")).contains("JPY has 0 decimals").contains("at most 100");
    assertThat(amountRefused(100_001, "BHD"))
        .contains("BHD has 3 decimals")
        .contains("at most 100000");
    assertThat(payment(100, "JPY").amount()).isEqualTo(100);
    assertThat(payment(100_000, "BHD").amount()).isEqualTo(100_000);
  }

  @Test
  void refusesMetalAndTestCodesAsPaymentCurrencies() {
    for (String code : List.of("XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XDR", "XBA")) {
      assertThatThrownBy(() -> payment(1, code))
          .as(code)
          .isInstanceOf(Refusal.class)
          .hasMessageContaining("'" + code + "' is an ISO 4217 code for a metal");
    }
    for (String code : List.of("XOF", "XAF", "XCD", "XPF", "CHF")) {
      assertThat(payment(1, code).currency()).isEqualTo(code);
    }
  }

  private static SubmitPayment payment(long amount, String currency) {
    return SubmitPayment.validate(
        ACCOUNT, amount, MAX, currency, "ACME", "DE89370400440532013000", null);
  }

  private static String amountRefused(long amount, String currency) {
    try {
      payment(amount, currency);
      throw new AssertionError(amount + " " + currency + " was accepted");
    } catch (Refusal refusal) {
      return refusal.getMessage();
    }
  }

  @Test
  void refusesControlCharactersAndUnpairedSurrogatesInTextThatIsStoredAndSentToTheBank() {
    for (String bad :
        new String[] {"ACME\u0000", "ACME\nGmbH", "ACME\u007f", "ACME \ud800", "\udc00 ACME"}) {
      assertThatThrownBy(
              () ->
                  SubmitPayment.validate(
                      ACCOUNT, 1L, MAX, "EUR", bad, "DE89370400440532013000", null))
          .as(bad)
          .isInstanceOf(Refusal.class)
          .hasMessageContaining("creditor.name");
      assertThatThrownBy(
              () ->
                  SubmitPayment.validate(
                      ACCOUNT, 1L, MAX, "EUR", "ACME", "DE89370400440532013000", bad))
          .as(bad)
          .isInstanceOf(Refusal.class)
          .hasMessageContaining("reference");
    }
    // Letters outside the BMP are text like any other (their UTF-16 halves come in pairs).
    assertThat(payment("DE89370400440532013000", "Zoë \ud83d\ude00 \ud836\udc00").reference())
        .isEqualTo("Zoë \ud83d\ude00 \ud836\udc00");
  }

  private static SubmitPayment payment(String iban, String reference) {
    return SubmitPayment.validate(ACCOUNT, 1250L, MAX, "EUR", "ACME GmbH", iban, reference);
  }
}

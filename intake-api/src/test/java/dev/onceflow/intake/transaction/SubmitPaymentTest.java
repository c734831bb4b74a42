package dev.onceflow.intake.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.intake.refusal.Refusal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SubmitPaymentTest {

  private static final UUID ACCOUNT = UUID.fromString("187b3fa8-e1fb-3af0-bed3-6c5c13867302");

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
                    ACCOUNT, 1001L, 1000, "EUR", "ACME", "DE89370400440532013000", null))
        .isInstanceOf(Refusal.class)
        .hasMessageContaining("at most 1000");
  }

  @Test
  void refusesControlCharactersAndUnpairedSurrogatesInTextThatIsStoredAndSentToTheBank() {
    for (String bad :
        new String[] {"ACME\u0000", "ACME\nGmbH", "ACME\u007f", "ACME \ud800", "\udc00 ACME"}) {
      assertThatThrownBy(
              () ->
                  SubmitPayment.validate(
                      ACCOUNT, 1L, 10, "EUR", bad, "DE89370400440532013000", null))
          .as(bad)
          .isInstanceOf(Refusal.class)
          .hasMessageContaining("creditor.name");
      assertThatThrownBy(
              () ->
                  SubmitPayment.validate(
                      ACCOUNT, 1L, 10, "EUR", "ACME", "DE89370400440532013000", bad))
          .as(bad)
          .isInstanceOf(Refusal.class)
          .hasMessageContaining("reference");
    }
    // Letters outside the BMP are text like any other (their UTF-16 halves come in pairs).
    assertThat(payment("DE89370400440532013000", "Zoë \ud83d\ude00 \ud836\udc00").reference())
        .isEqualTo("Zoë \ud83d\ude00 \ud836\udc00");
  }

  private static SubmitPayment payment(String iban, String reference) {
    return SubmitPayment.validate(ACCOUNT, 1250L, 100_000, "EUR", "ACME GmbH", iban, reference);
  }
}

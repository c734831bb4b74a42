package dev.onceflow.webhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

  @Test
  void signsTimestampDotBodyWithHmacSha256KeyedByTheWholeSecret() {
    // Expected value from: printf '%s' '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac
    // whsec_test
    assertThat(WebhookSignature.header("whsec_test", 1_700_000_000L, "{\"id\":\"e1\"}"))
        .isEqualTo(
            "t=1700000000,v1=6a85cb117c993612a34c72b4cfb5a16baed25a80d26e298ce0e6671320fd07c8");
  }

  @Test
  void aDifferentBodyOrTimeGivesADifferentSignature() {
    String signed = WebhookSignature.header("whsec_test", 1_700_000_000L, "{\"id\":\"e1\"}");
    assertThat(WebhookSignature.header("whsec_test", 1_700_000_000L, "{\"id\":\"e2\"}"))
        .isNotEqualTo(signed);
    assertThat(
            WebhookSignature.header("whsec_test", 1_700_000_001L, "{\"id\":\"e1\"}").substring(14))
        .isNotEqualTo(signed.substring(14));
  }
}

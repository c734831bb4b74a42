package dev.onceflow.webhook.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@value #HEADER} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>}, the MAC keyed with
 * the endpoint's secret (its UTF-8 bytes, {@code whsec_} prefix included) over {@code <t>.<body>}.
 * It is Stripe's scheme, so a receiver's existing verifier fits: it recomputes the MAC over the raw
 * body, compares in constant time, and refuses a timestamp too far from its clock. Each attempt is
 * signed anew, with its own time.
 */
final class WebhookSignature {

  static final String HEADER = "Onceflow-Signature";

  private WebhookSignature() {}

  static String header(String secret, long unixSeconds, String body) {
    return "t=" + unixSeconds + ",v1=" + hmacSha256Hex(secret, unixSeconds + "." + body);
  }

  private static String hmacSha256Hex(String key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}

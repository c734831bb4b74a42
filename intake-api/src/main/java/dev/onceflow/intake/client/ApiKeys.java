package dev.onceflow.intake.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** API keys are stored only as their SHA-256: a leaked table does not leak credentials. */
public final class ApiKeys {

  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  public static String hash(String apiKey) {
    return HexFormat.of().formatHex(sha256(apiKey));
  }

  /**
   * The key's last four characters: enough for an operator to tell keys apart, useless to a thief.
   */
  public static String hint(String apiKey) {
    return apiKey.substring(Math.max(0, apiKey.length() - 4));
  }

  /** A new key: 256 random bits, URL-safe, recognisable by its prefix in logs and config. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "ofk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Compares a presented secret with the expected one in time that does not depend on where they
   * differ (or on their lengths): both are hashed first, and the digests compared in constant time.
   */
  public static boolean matches(String presented, String expected) {
    return MessageDigest.isEqual(sha256(presented), sha256(expected));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

package dev.onceflow.intake.admin;

import dev.onceflow.model.InvalidSettingException;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param apiKey the credential of the admin API ({@code Authorization: Bearer <key>}); when unset
 *     or blank the admin API refuses every request. It must carry at least 32 random bytes: 43 or
 *     more characters of base64, or 64 hex digits ({@code openssl rand -base64 32}); a weaker key
 *     stops intake from starting.
 * @param maxOpeningBalance the largest opening balance, in minor units, the admin API gives an
 *     account: a typo in an opening cannot create unbounded money
 */
@ConfigurationProperties("onceflow.admin")
public record AdminProperties(
    String apiKey, @DefaultValue("1000000000000") long maxOpeningBalance) {

  static final int MIN_LENGTH = 43;
  static final int MIN_HEX_LENGTH = 64;

  /** A random 43-character key has about 30 distinct characters; a made-up one far fewer. */
  static final int MIN_DISTINCT = 16;

  /**
   * 64 random hex digits use all 16 only three times in four (openssl rand -hex 32 gave 11 to 16
   * distinct in a million draws): fewer than 10 is no random key.
   */
  static final int MIN_HEX_DISTINCT = 10;

  public AdminProperties {
    apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    if (apiKey != null) {
      requireStrong(apiKey);
    }
    if (maxOpeningBalance <= 0) {
      throw new InvalidSettingException(
          "onceflow.admin.max-opening-balance must be a positive number of minor units, not "
              + maxOpeningBalance);
    }
  }

  public boolean enabled() {
    return apiKey != null;
  }

  private static void requireStrong(String key) {
    boolean hex = key.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    long distinct = key.chars().distinct().count();
    if (key.length() < (hex ? MIN_HEX_LENGTH : MIN_LENGTH)
        || distinct < (hex ? MIN_HEX_DISTINCT : MIN_DISTINCT)) {
      throw new InvalidSettingException(
          "onceflow.admin.api-key is too weak (%d characters, %d distinct): it must carry at least 32 random bytes, %d+ characters of base64 or %d hex digits, e.g. from 'openssl rand -base64 32'"
              .formatted(key.length(), distinct, MIN_LENGTH, MIN_HEX_LENGTH));
    }
  }
}

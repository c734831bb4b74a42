package dev.onceflow.intake.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param apiKey the credential of the admin API ({@code Authorization: Bearer <key>}); when unset
 *     or blank the admin API refuses every request
 */
@ConfigurationProperties("onceflow.admin")
public record AdminProperties(String apiKey) {

  public boolean enabled() {
    return apiKey != null && !apiKey.isBlank();
  }
}

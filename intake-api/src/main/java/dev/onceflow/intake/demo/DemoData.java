package dev.onceflow.intake.demo;

import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.ApiClientRepository;
import dev.onceflow.intake.client.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Seeds a demo client and one funded account per currency, for the local stack. Ids derive from
 * names, and inserts skip existing rows, so every start converges on the same data.
 */
@Component
@ConditionalOnBooleanProperty("onceflow.demo.enabled")
public class DemoData implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(DemoData.class);

  @ConfigurationProperties("onceflow.demo")
  record DemoProperties(
      boolean enabled,
      @DefaultValue("local-demo-key") String apiKey,
      @DefaultValue("EUR") List<String> currencies,
      @DefaultValue("1000000000") long openingBalance) {}

  private final DemoProperties properties;
  private final ApiClientRepository clients;
  private final AccountRepository accounts;
  private final Clock clock;

  DemoData(
      DemoProperties properties,
      ApiClientRepository clients,
      AccountRepository accounts,
      Clock clock) {
    this.properties = properties;
    this.clients = clients;
    this.accounts = accounts;
    this.clock = clock;
  }

  /** The demo client's id: fixed, so restarts (and the admin API's callers) find the same client. */
  public static UUID clientId() {
    return nameUuid("onceflow-demo-client");
  }

  /** The demo account in {@code currency}. */
  static UUID accountId(String currency) {
    return nameUuid("onceflow-demo-account-" + currency);
  }

  @Override
  @Transactional
  public void run(ApplicationArguments args) {
    clients.insertIfAbsent(clientId(), "Demo client", ApiKeys.hash(properties.apiKey()), clock.instant());
    for (String currency : properties.currencies()) {
      String code = currency.trim().toUpperCase();
      accounts.insertIfAbsent(
          accountId(code), clientId(), code, properties.openingBalance(), clock.instant());
      log.info("Demo account {} ({}) for API key '{}'", accountId(code), code, properties.apiKey());
    }
  }

  private static UUID nameUuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}

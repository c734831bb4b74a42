package dev.onceflow.intake.demo;

import dev.onceflow.intake.account.AccountStatements;
import dev.onceflow.intake.account.Currencies;
import dev.onceflow.intake.client.ApiClientRepository;
import dev.onceflow.intake.client.ApiKeyStore;
import dev.onceflow.intake.client.ClientStatements;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.Account;
import dev.onceflow.model.InvalidSettingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Demo mode, for the local stack: a demo client with a well-known key and one funded account per
 * currency. Ids derive from names, and inserts skip existing rows, so every start converges on the
 * same data. Demo data never sits next to real clients: demo mode refuses to start on a database
 * that has clients and was never a demo database, and a start with demo mode off revokes the demo
 * client's key.
 */
@Component
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
  private final ClientStatements clientStatements;
  private final ApiKeyStore keys;
  private final AccountStatements accounts;
  private final JdbcClient jdbc;
  private final Clock clock;

  DemoData(
      DemoProperties properties,
      ApiClientRepository clients,
      ClientStatements clientStatements,
      ApiKeyStore keys,
      AccountStatements accounts,
      JdbcClient jdbc,
      Clock clock) {
    this.properties = properties;
    this.clients = clients;
    this.clientStatements = clientStatements;
    this.keys = keys;
    this.accounts = accounts;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /**
   * The demo client's id: fixed, so restarts (and the admin API's callers) find the same client.
   */
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
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    if (!properties.enabled()) {
      if (keys.revokeAll(clientId(), now) > 0) {
        log.info("Demo mode is off: the demo client's API key no longer authenticates");
      }
      return;
    }
    if (!isDemoDatabase()) {
      if (clients.count() > 0) {
        throw new InvalidSettingException(
            "onceflow.demo.enabled=true is refused: this database has clients and was never a demo database, and demo mode would add a client with a well-known key beside them");
      }
      jdbc.sql("INSERT INTO demo_database (seeded_at) VALUES (:now) ON CONFLICT DO NOTHING")
          .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
          .update();
    }
    clientStatements.insertIfAbsent(clientId(), "Demo client", now);
    if (keys.insert(
                nameUuid("onceflow-demo-key-" + properties.apiKey()),
                clientId(),
                properties.apiKey(),
                now)
            == 0
        && keys.reinstate(clientId(), properties.apiKey()) == 0) {
      throw new InvalidSettingException(
          "onceflow.demo.api-key is refused: another client already has that key");
    }
    for (String currency : properties.currencies()) {
      String code = currency.trim().toUpperCase(Locale.ROOT);
      try {
        Currencies.requirePayable(code);
      } catch (Refusal refusal) {
        throw new InvalidSettingException(
            "onceflow.demo.currencies: '"
                + currency
                + "' is not an ISO 4217 currency payments are made in");
      }
      accounts.insertIfAbsent(
          new Account(accountId(code), clientId(), code, properties.openingBalance(), now));
      log.info("Demo account {} ({}) for the demo client", accountId(code), code);
    }
  }

  private boolean isDemoDatabase() {
    return jdbc.sql("SELECT EXISTS (SELECT 1 FROM demo_database)").query(Boolean.class).single();
  }

  private static UUID nameUuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}

package dev.onceflow.webhook;

import java.time.Clock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * Delivers clients' webhooks: consumes payments.transaction-events in its own consumer group, turns
 * each final event into one delivery per endpoint that takes it, and sends them, signed, until each
 * is delivered or its retry period ends. Intake and the workers never wait for an endpoint.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WebhookDispatcherApplication {

  /**
   * The application with its own config file name, so it can share a JVM with other apps. The
   * connection defaults are builder properties, which a caller's own {@code .properties(...)} or
   * arguments replace (see BankWorkerApplication).
   */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(WebhookDispatcherApplication.class)
        .listeners(new WebhookSettingsCheck())
        .properties(
            "spring.config.name=webhook-dispatcher",
            "server.port=8085",
            "management.server.port=8085",
            "spring.datasource.url=jdbc:postgresql://localhost:15432/onceflow",
            // Its own role (V12__webhooks.sql); migrations run as the schema's owner.
            "spring.datasource.username=onceflow_webhooks",
            "spring.datasource.password=",
            "spring.flyway.user=postgres",
            "spring.flyway.password=",
            "spring.kafka.bootstrap-servers=localhost:9092");
  }

  public static void main(String[] args) {
    application().run(args);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

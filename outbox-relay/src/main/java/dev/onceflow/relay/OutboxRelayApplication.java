package dev.onceflow.relay;

import java.time.Clock;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * Streams the outbox table to Kafka: a Debezium embedded engine reads the inserts from PostgreSQL's
 * WAL, the Outbox Event Router turns each into an event, and an idempotent producer publishes it.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OutboxRelayApplication {

  /**
   * Connection and port defaults for the local stack. They are default properties, not entries of
   * outbox-relay.properties, because a config file outranks default properties: values a caller
   * passes with {@code application().properties(...)} must win, as arguments do anyway. Port -1
   * keeps the main web server closed (the relay has no API); actuator runs on its own port. The
   * relay connects with its own role (V9__service_roles.sql); migrations run as the schema's owner.
   */
  static final Map<String, Object> LOCAL_STACK_DEFAULTS =
      Map.of(
          "spring.config.name", "outbox-relay",
          "spring.datasource.url", "jdbc:postgresql://localhost:15432/onceflow",
          "spring.datasource.username", "onceflow_relay",
          "spring.datasource.password", "",
          "spring.flyway.user", "postgres",
          "spring.flyway.password", "",
          "spring.kafka.bootstrap-servers", "localhost:9092",
          "management.server.port", "8083",
          "server.port", "-1");

  public static void main(String[] args) {
    application().run(args);
  }

  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(OutboxRelayApplication.class)
        .properties(LOCAL_STACK_DEFAULTS);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

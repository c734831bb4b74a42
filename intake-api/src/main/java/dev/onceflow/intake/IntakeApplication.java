package dev.onceflow.intake;

import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.store.TransactionStoreConfiguration;
import java.time.Clock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.persistence.autoconfigure.EntityScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The HTTP API clients use to submit payments and follow them. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EntityScan(basePackageClasses = PaymentTransaction.class)
@EnableScheduling
@Import(TransactionStoreConfiguration.class)
public class IntakeApplication {

  /**
   * The application with its own config file name, so it can share a JVM with other apps. The
   * connection defaults live here, as default properties, so that a caller's properties or
   * arguments replace them (a value in the config file would win over the caller's properties).
   */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(IntakeApplication.class)
        .properties(
            "spring.config.name=intake-api",
            "server.port=8080",
            // Metrics and the rest of actuator stay off the clients' port: only health is public.
            "management.server.port=8084",
            "spring.datasource.url=jdbc:postgresql://localhost:15432/onceflow",
            // Its own role (V9__service_roles.sql); migrations run as the schema's owner.
            "spring.datasource.username=onceflow_intake",
            "spring.datasource.password=",
            "spring.flyway.user=postgres",
            "spring.flyway.password=");
  }

  public static void main(String[] args) {
    application().run(args);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

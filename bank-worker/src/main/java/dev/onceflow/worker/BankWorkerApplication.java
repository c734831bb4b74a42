package dev.onceflow.worker;

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

/**
 * Kafka consumers that call the bank with each transaction's stored key, and the recovery sweeper.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EntityScan(basePackageClasses = PaymentTransaction.class)
@EnableScheduling
@Import(TransactionStoreConfiguration.class)
public class BankWorkerApplication {

  /**
   * The application with its own config file name, so it can share a JVM with other apps.
   *
   * <p>The connection defaults live here rather than in bank-worker.properties: builder properties
   * are Spring's lowest-precedence "default properties", so a caller's own {@code .properties(...)}
   * (the local stack, tests) replaces them, whereas a value in the config file would win over it.
   */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(BankWorkerApplication.class)
        .listeners(new WorkerSettingsCheck())
        .properties(
            "spring.config.name=bank-worker",
            "server.port=8092",
            "management.server.port=8082",
            "spring.datasource.url=jdbc:postgresql://localhost:15432/onceflow",
            // Its own role (V9__service_roles.sql); migrations run as the schema's owner.
            "spring.datasource.username=onceflow_worker",
            "spring.datasource.password=",
            "spring.flyway.user=postgres",
            "spring.flyway.password=",
            "spring.kafka.bootstrap-servers=localhost:9092",
            "onceflow.bank.base-url=http://localhost:8081");
  }

  public static void main(String[] args) {
    application().run(args);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

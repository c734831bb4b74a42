package dev.onceflow.bank;

import java.time.Clock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/** A stand-in third-party bank: executes each payment once per Idempotency-Key. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class BankSimulatorApplication {

  /** The application with its own config file name, so it can share a JVM with other apps. */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(BankSimulatorApplication.class)
        .properties("spring.config.name=bank-simulator");
  }

  public static void main(String[] args) {
    application().run(args);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

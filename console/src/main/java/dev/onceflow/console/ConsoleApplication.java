package dev.onceflow.console;

import java.time.Clock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The operator console: server-rendered pages on a payment's history, the stuck ones and the search
 * by any of its ids, and the ops commands' actions, behind a login. It works with the ops commands'
 * role and never migrates the schema (the services do), so it starts against a database they
 * already made.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ConsoleApplication {

  /**
   * The application with its own config file name, so it can share a JVM with other apps. The
   * connection defaults are builder properties, which a caller's own {@code .properties(...)} or
   * arguments replace (see BankWorkerApplication).
   */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(ConsoleApplication.class)
        .listeners(new ConsoleSettingsCheck())
        .properties(
            "spring.config.name=console",
            "server.port=8087",
            "management.server.port=8087",
            "spring.datasource.url=jdbc:postgresql://localhost:15432/onceflow",
            // The ops commands' role (V9__service_roles.sql): what it reads and its actions are
            // exactly those of the ops CLI.
            "spring.datasource.username=onceflow_ops",
            "spring.datasource.password=");
  }

  public static void main(String[] args) {
    application().run(args);
  }

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }
}

package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A worker started with a setting it cannot run with refuses at once, before it connects to
 * anything (no PostgreSQL or Kafka runs here), and says which setting and why in one line.
 */
class WorkerSettingsIT {

  private final Path logs = Files.createTempDirectory("onceflow-worker-settings-it");

  WorkerSettingsIT() throws Exception {}

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--onceflow.worker.max-in-flight=0 | onceflow.worker.max-in-flight must be at least 1, is 0",
        "--onceflow.bank.call-deadline=30s | onceflow.worker.lease (PT30S) must exceed onceflow.bank.call-deadline (PT30S) by at least PT1S",
        "--onceflow.bank.connect-timeout=20s | onceflow.bank.connect-timeout must be positive and at most onceflow.bank.call-deadline (PT10S), is PT20S",
        "--onceflow.worker.retry.budget=0 | onceflow.worker.retry.budget must be at least 1, is 0"
      })
  void refusesToStartWithOneLineNamingTheSetting(String setting, String message) throws Exception {
    JarProcess worker =
        JarProcess.of(
                "worker-" + setting.replaceAll("[^a-z0-9]+", "-"),
                logs,
                "256m",
                List.of(
                    "service",
                    "bank-worker",
                    setting,
                    "--spring.datasource.url=jdbc:postgresql://localhost:1/none"))
            .start();

    assertThat(worker.awaitExit(Duration.ofSeconds(60)))
        .as("exit code; see %s", worker.log())
        .isNotZero();
    List<String> lines = Files.readAllLines(worker.log());
    assertThat(lines).as("the log of %s", setting).contains(message);
    assertThat(lines).as("no stack trace").noneMatch(line -> line.startsWith("\tat "));
    assertThat(lines)
        .as("nothing was connected to")
        .noneMatch(line -> line.contains("HikariPool") || line.contains("Flyway"));
  }
}

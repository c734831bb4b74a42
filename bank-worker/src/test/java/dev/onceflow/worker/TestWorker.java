package dev.onceflow.worker;

import dev.onceflow.testing.SharedTestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A bank-worker started as the local stack starts it (through the builder's properties), on free
 * ports, against a PostgreSQL, a Kafka and a bank; the test's own properties come last and win.
 */
public final class TestWorker {

  private TestWorker() {}

  /** The worker's application, ready to run or to take more sources. */
  public static SpringApplicationBuilder application(
      String jdbcUrl, String bootstrapServers, String bankUrl, String... properties) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "server.port=" + SharedTestInfrastructure.freePort(),
                "management.server.port=" + SharedTestInfrastructure.freePort(),
                "spring.datasource.url=" + jdbcUrl,
                "spring.kafka.bootstrap-servers=" + bootstrapServers,
                "onceflow.bank.base-url=" + bankUrl));
    all.addAll(List.of(properties));
    return BankWorkerApplication.application().properties(all.toArray(String[]::new));
  }

  /** A running worker on the shared PostgreSQL and Kafka. */
  public static ConfigurableApplicationContext start(String bankUrl, String... properties) {
    return application(
            SharedTestInfrastructure.postgres().jdbcUrl(),
            SharedTestInfrastructure.kafka().bootstrapServers(),
            bankUrl,
            properties)
        .run();
  }

  /**
   * A worker on the shared PostgreSQL and Kafka with its Kafka listeners and its sweeper off (the
   * test calls the settlement processor itself), plus {@code properties}.
   */
  static ConfigurableApplicationContext driven(String bankUrl, String... properties) {
    List<String> all =
        new ArrayList<>(
            List.of("spring.kafka.listener.auto-startup=false", "onceflow.sweeper.enabled=false"));
    all.addAll(List.of(properties));
    return start(bankUrl, all.toArray(String[]::new));
  }

  /** Closes each that was started, in order, and rethrows the first failure. */
  static void closeAll(AutoCloseable... resources) throws Exception {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      try {
        if (resource != null) {
          resource.close();
        }
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

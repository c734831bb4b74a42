package dev.onceflow.worker;

import dev.onceflow.infra.SharedTestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/** Workers that tests drive by hand, and the closing of what a test started. */
final class TestWorkers {

  private TestWorkers() {}

  /**
   * A worker on the shared PostgreSQL and Kafka calling {@code bankUrl}, with its Kafka listeners
   * and its sweeper off (the test calls the settlement processor itself), plus {@code properties}.
   */
  static ConfigurableApplicationContext driven(String bankUrl, String... properties) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "server.port=" + SharedTestInfrastructure.freePort(),
                "management.server.port=" + SharedTestInfrastructure.freePort(),
                "spring.datasource.url=" + SharedTestInfrastructure.postgres().jdbcUrl(),
                "spring.kafka.bootstrap-servers=" + SharedTestInfrastructure.kafka().bootstrapServers(),
                "spring.kafka.listener.auto-startup=false",
                "onceflow.sweeper.enabled=false",
                "onceflow.bank.base-url=" + bankUrl));
    all.addAll(List.of(properties));
    return BankWorkerApplication.application().properties(all.toArray(String[]::new)).run();
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

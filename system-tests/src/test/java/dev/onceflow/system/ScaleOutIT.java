package dev.onceflow.system;

import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.model.ReadyLine;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Production shape: PostgreSQL and Kafka, the bank, intake, two relays (active and standby) and
 * three workers, each its own OS process. The active relay and one worker are killed with SIGKILL
 * under load, then the standby too while payments keep coming; once a relay runs again, every
 * accepted payment completes, once.
 */
class ScaleOutIT {

  private final Path directory = Files.createTempDirectory("onceflow-scale-out");
  private final int postgresPort = SharedTestInfrastructure.freePort();
  private final int kafkaPort = SharedTestInfrastructure.freePort();
  private final int intakePort = SharedTestInfrastructure.freePort();
  private final int bankPort = SharedTestInfrastructure.freePort();
  private final String jdbcUrl = "jdbc:postgresql://localhost:" + postgresPort + "/onceflow";
  private final String kafka = "localhost:" + kafkaPort;
  private final List<JarProcess> processes = new ArrayList<>();
  private final OnceflowApi api =
      new OnceflowApi(
          "http://localhost:" + intakePort, "http://localhost:" + bankPort, "local-demo-key");

  ScaleOutIT() throws IOException {}

  @AfterEach
  void stopEverything() throws Exception {
    // Services first, the infrastructure (started first) last.
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    EmbeddedPostgresServer.stopOrphanedServer(directory.resolve("data").resolve("postgres"));
  }

  @Test
  void paymentsCompleteOnceWhenRelaysAndAWorkerAreKilled() throws Exception {
    JarProcess infra =
        start(
            "infra",
            "512m",
            "--infra-only",
            "--data-dir=" + directory.resolve("data"),
            "--postgres-port=" + postgresPort,
            "--kafka-port=" + kafkaPort,
            "--kafka-controller-port=" + SharedTestInfrastructure.freePort());
    infra.awaitReady(Duration.ofSeconds(120), () -> infra.logged(ReadyLine.STACK) > 0);

    JarProcess bank =
        start("bank", "256m", "service", "bank-simulator", "--server.port=" + bankPort);
    int activePort = SharedTestInfrastructure.freePort();
    int standbyPort = SharedTestInfrastructure.freePort();
    JarProcess activeRelay = relay("relay-active", activePort);
    activeRelay.awaitReady(Duration.ofSeconds(180), () -> relayState(activePort).equals("RUNNING"));
    JarProcess standbyRelay = relay("relay-standby", standbyPort);
    JarProcess intake =
        start(
            "intake",
            "384m",
            "service",
            "intake-api",
            "--server.port=" + intakePort,
            "--management.server.port=" + SharedTestInfrastructure.freePort(),
            "--spring.datasource.url=" + jdbcUrl,
            "--onceflow.demo.enabled=true",
            "--onceflow.admin.api-key=" + OnceflowApi.ADMIN_KEY,
            OnceflowApi.UNLIMITED_RATE,
            OnceflowApi.UNLIMITED_BURST);
    List<JarProcess> workers = new ArrayList<>();
    List<Integer> workerPorts = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int port = SharedTestInfrastructure.freePort();
      workerPorts.add(port);
      workers.add(
          start(
              "worker-" + i,
              "384m",
              "service",
              "bank-worker",
              "--server.port=" + port,
              "--management.server.port=" + port,
              "--spring.datasource.url=" + jdbcUrl,
              "--spring.kafka.bootstrap-servers=" + kafka,
              "--onceflow.bank.base-url=http://localhost:" + bankPort));
    }
    bank.awaitReady(
        Duration.ofSeconds(180),
        () -> !JarProcess.get("http://localhost:" + bankPort + "/payments").isEmpty());
    intake.awaitReady(Duration.ofSeconds(180), () -> api.get("/accounts").statusCode() == 200);
    standbyRelay.awaitReady(
        Duration.ofSeconds(180), () -> relayState(standbyPort).equals("STANDBY"));
    for (int i = 0; i < workers.size(); i++) {
      int port = workerPorts.get(i);
      workers
          .get(i)
          .awaitReady(
              Duration.ofSeconds(180),
              () -> JarProcess.get("http://localhost:" + port + "/actuator/health").contains("UP"));
    }

    PaymentLoad load = new PaymentLoad(api, 10_000_000).start("scale", 150, 4, 20);
    load.awaitAccepted(40, Duration.ofSeconds(120));
    workers.get(0).kill();
    load.awaitAccepted(80, Duration.ofSeconds(120));
    activeRelay.kill();
    load.awaitClients(Duration.ofMinutes(5));
    await().atMost(Duration.ofSeconds(30)).until(() -> relayState(standbyPort).equals("RUNNING"));

    // No relay at all for a while: intake keeps accepting, and what it commits meanwhile is
    // delivered once a relay runs again (from the slot and the offsets it left behind).
    standbyRelay.kill();
    load.submitMore("while-no-relay", 20, 20);
    int restartedPort = SharedTestInfrastructure.freePort();
    JarProcess restartedRelay = relay("relay-restarted", restartedPort);
    restartedRelay.awaitReady(
        Duration.ofSeconds(180), () -> relayState(restartedPort).equals("RUNNING"));

    load.assertEveryPaymentCompletedOnce(Duration.ofSeconds(120));
  }

  private JarProcess relay(String name, int managementPort) throws IOException {
    return start(
        name,
        "384m",
        "service",
        "outbox-relay",
        "--management.server.port=" + managementPort,
        "--spring.datasource.url=" + jdbcUrl,
        "--spring.kafka.bootstrap-servers=" + kafka);
  }

  private static String relayState(int managementPort) {
    String health =
        JarProcess.get("http://localhost:" + managementPort + "/actuator/health/outboxRelay");
    java.util.regex.Matcher state =
        java.util.regex.Pattern.compile("\"state\":\"(\\w+)\"").matcher(health);
    return state.find() ? state.group(1) : "UNKNOWN";
  }

  private JarProcess start(String name, String heap, String... args) throws IOException {
    JarProcess process = JarProcess.of(name, directory, heap, List.of(args)).start();
    processes.add(process);
    return process;
  }
}

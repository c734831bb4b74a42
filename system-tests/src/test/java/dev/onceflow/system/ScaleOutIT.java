package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.SharedTestInfrastructure;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

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
      new OnceflowApi("http://localhost:" + intakePort, "http://localhost:" + bankPort, "local-demo-key");

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
    infra.awaitReady(Duration.ofSeconds(120), () -> infra.logged("Onceflow is running") > 0);

    JarProcess bank = start("bank", "256m", "service", "bank-simulator", "--server.port=" + bankPort);
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
            "--spring.datasource.url=" + jdbcUrl,
            "--onceflow.demo.enabled=true",
            "--onceflow.admin.api-key=local-admin-key");
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
    bank.awaitReady(Duration.ofSeconds(180), () -> !JarProcess.get("http://localhost:" + bankPort + "/payments").isEmpty());
    intake.awaitReady(Duration.ofSeconds(180), () -> api.get("/accounts").statusCode() == 200);
    standbyRelay.awaitReady(Duration.ofSeconds(180), () -> relayState(standbyPort).equals("STANDBY"));
    for (int i = 0; i < workers.size(); i++) {
      int port = workerPorts.get(i);
      workers.get(i).awaitReady(
          Duration.ofSeconds(180),
          () -> JarProcess.get("http://localhost:" + port + "/actuator/health").contains("UP"));
    }

    UUID account = api.openAccount("EUR", 10_000_000);
    Map<String, String> accepted = new ConcurrentHashMap<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      keys.add("scale-" + i + "-" + account);
    }
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    for (int c = 0; c < 4; c++) {
      clients.submit(
          () -> {
            for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
              submitUntilAnswered(keys.get(i), account, accepted);
            }
          });
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> accepted.size() >= 40);
    workers.get(0).kill();
    await().atMost(Duration.ofSeconds(120)).until(() -> accepted.size() >= 80);
    activeRelay.kill();
    clients.shutdown();
    assertThat(clients.awaitTermination(5, TimeUnit.MINUTES)).isTrue();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> relayState(standbyPort).equals("RUNNING"));
    assertThat(accepted).hasSize(keys.size());

    // No relay at all for a while: intake keeps accepting, and what it commits meanwhile is
    // delivered once a relay runs again (from the slot and the offsets it left behind).
    standbyRelay.kill();
    for (int i = 0; i < 20; i++) {
      String key = "while-no-relay-" + i + "-" + account;
      keys.add(key);
      submitUntilAnswered(key, account, accepted);
    }
    int restartedPort = SharedTestInfrastructure.freePort();
    JarProcess restartedRelay = relay("relay-restarted", restartedPort);
    restartedRelay.awaitReady(Duration.ofSeconds(180), () -> relayState(restartedPort).equals("RUNNING"));
    assertThat(accepted).hasSize(keys.size());
    long completed = 0;
    for (String id : accepted.values()) {
      JsonNode tx =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> api.transactionUnchecked(id),
                  t -> t.get("state").asString().matches("COMPLETED|FAILED"));
      assertThat(tx.get("state").asString()).isEqualTo("COMPLETED");
      assertThat(api.bankPaymentsFor(id)).hasSize(1);
      completed += tx.get("amount").asLong();
    }
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(10_000_000 - completed);
    assertThat(balances.get("reserved").asLong()).isZero();
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
    String health = JarProcess.get("http://localhost:" + managementPort + "/actuator/health/outboxRelay");
    java.util.regex.Matcher state =
        java.util.regex.Pattern.compile("\"state\":\"(\\w+)\"").matcher(health);
    return state.find() ? state.group(1) : "UNKNOWN";
  }

  /** A client that retries with the same key until it gets an answer, as a careful one does. */
  private void submitUntilAnswered(String key, UUID account, Map<String, String> accepted) {
    for (int attempt = 0; attempt < 20 && !accepted.containsKey(key); attempt++) {
      try {
        HttpResponse<String> response = api.submit(key, OnceflowApi.payment(account, 1_000, "EUR"));
        if (response.statusCode() == 202) {
          accepted.put(key, api.json(response).get("id").asString());
        }
      } catch (IOException e) {
        // no answer: retry with the same key
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private JarProcess start(String name, String heap, String... args) throws IOException {
    JarProcess process = JarProcess.of(name, directory, heap, List.of(args)).start();
    processes.add(process);
    return process;
  }
}

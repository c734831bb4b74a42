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
 * {@code kill -9} of the local stack (the jar a user runs, as its own process) while payments are
 * in flight, then a restart on the same data: every payment that got a 202 still reaches a final
 * state, and the bank holds exactly one payment for each completed one.
 */
class CrashRecoveryIT {

  private final Path dataDirectory = Files.createTempDirectory("onceflow-crash");
  private final int intakePort = SharedTestInfrastructure.freePort();
  private final int bankPort = SharedTestInfrastructure.freePort();
  private final List<String> flags =
      List.of(
          "--data-dir=" + dataDirectory,
          "--postgres-port=" + SharedTestInfrastructure.freePort(),
          "--kafka-port=" + SharedTestInfrastructure.freePort(),
          "--kafka-controller-port=" + SharedTestInfrastructure.freePort(),
          "--intake-port=" + intakePort,
          "--bank-port=" + bankPort,
          "--worker-port=" + SharedTestInfrastructure.freePort(),
          "--relay-port=" + SharedTestInfrastructure.freePort(),
          "--currencies=EUR");
  private final OnceflowApi api =
      new OnceflowApi("http://localhost:" + intakePort, "http://localhost:" + bankPort, "local-demo-key");
  private JarProcess stack;

  CrashRecoveryIT() throws IOException {}

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
    EmbeddedPostgresServer.stopOrphanedServer(dataDirectory.resolve("postgres"));
  }

  @Test
  void everyAcceptedPaymentReachesAFinalStateAfterAKillDashNine() throws Exception {
    startStack();
    UUID account = api.openAccount("EUR", 10_000_000);
    Map<String, String> accepted = new ConcurrentHashMap<>(); // idempotency key -> transaction id
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      keys.add("crash-" + i + "-" + account);
    }

    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(4);
    for (int c = 0; c < 4; c++) {
      clients.submit(
          () -> {
            for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
              submitIgnoringFailures(keys.get(i), account, accepted);
            }
          });
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= 25);
    stack.kill(); // SIGKILL, mid-flight
    clients.shutdown();
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    int acceptedBeforeCrash = accepted.size();

    startStack();
    // Clients whose request died with the process retry it with the same key, as they should.
    for (String key : keys) {
      if (!accepted.containsKey(key)) {
        submitIgnoringFailures(key, account, accepted);
      }
    }

    assertThat(acceptedBeforeCrash).isGreaterThanOrEqualTo(25);
    assertThat(accepted).hasSize(keys.size());
    long completed = 0;
    for (String id : accepted.values()) {
      JsonNode tx =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> api.transactionUnchecked(id), t -> t.get("state").asString().matches("COMPLETED|FAILED"));
      assertThat(tx.get("state").asString()).isEqualTo("COMPLETED");
      assertThat(api.bankPaymentsFor(id)).hasSize(1);
      completed += tx.get("amount").asLong();
    }
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(10_000_000 - completed);
    assertThat(balances.get("reserved").asLong()).isZero();
  }

  private void submitIgnoringFailures(String key, UUID account, Map<String, String> accepted) {
    try {
      HttpResponse<String> response = api.submit(key, OnceflowApi.payment(account, 1_000, "EUR"));
      if (response.statusCode() == 202) {
        accepted.put(key, api.json(response).get("id").asString());
      }
    } catch (IOException e) {
      // the stack died under this request: the client does not know the outcome and retries later
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startStack() throws IOException {
    int bannersBefore = stack == null ? 0 : stack.logged("Onceflow is running");
    stack = JarProcess.of("local-stack", dataDirectory, "1g", flags).start();
    // The banner is printed once every service has started.
    stack.awaitReady(
        Duration.ofSeconds(180), () -> stack.logged("Onceflow is running") > bannersBefore);
  }
}

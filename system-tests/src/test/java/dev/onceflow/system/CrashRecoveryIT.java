package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.model.ReadyLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of the local stack (the jar a user runs, as its own process) and of its
 * PostgreSQL while payments are in flight, as a host crash: the restart on the same data replays
 * PostgreSQL's WAL, every payment that got a 202 still reaches a final state, and the bank holds
 * exactly one payment for each completed one.
 */
class CrashRecoveryIT {

  private final Path dataDirectory = Files.createTempDirectory("onceflow-crash");
  private final StackPorts ports = StackPorts.free();
  private final List<String> flags =
      List.of(
          ports.with(
              "--data-dir=" + dataDirectory,
              "--currencies=EUR",
              "--onceflow.admin.api-key=" + OnceflowApi.ADMIN_KEY));
  private final OnceflowApi api =
      new OnceflowApi(
          "http://localhost:" + ports.intake(),
          "http://localhost:" + ports.bank(),
          "local-demo-key");
  private JarProcess stack;

  CrashRecoveryIT() throws IOException {}

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
    EmbeddedPostgresServer.stopOrphanedServer(postgresData());
  }

  private Path postgresData() {
    return dataDirectory.resolve("postgres");
  }

  @Test
  void everyAcceptedPaymentReachesAFinalStateAfterAKillDashNine() throws Exception {
    startStack();
    PaymentLoad load = new PaymentLoad(api, 10_000_000).start("crash", 80, 4, 1);
    load.awaitAccepted(25, Duration.ofSeconds(60));
    stack.kill(); // SIGKILL, mid-flight
    // The postmaster outlives the JVM that started it: kill it too, before it can shut down
    // cleanly.
    assertThat(Postmaster.killDashNine(postgresData())).as("PostgreSQL was running").isTrue();
    load.awaitClients(Duration.ofSeconds(60));

    startStack();
    assertThat(Postmaster.crashRecoveries(postgresData()))
        .as("PostgreSQL replayed its WAL at the restart")
        .isEqualTo(1);
    // Clients whose request died with the process retry it with the same key, as they should.
    load.retryUnanswered(3);

    load.assertEveryPaymentCompletedOnce(Duration.ofSeconds(120));
  }

  private void startStack() throws IOException {
    int bannersBefore = stack == null ? 0 : stack.logged(ReadyLine.STACK);
    stack = JarProcess.of("local-stack", dataDirectory, "1g", flags).start();
    // The banner is printed once every service has started.
    stack.awaitReady(Duration.ofSeconds(180), () -> stack.logged(ReadyLine.STACK) > bannersBefore);
  }
}

package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.MoneyInvariant;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under a running intake (its own server, stopped by the test): every request
 * answers 503 problem+json with Retry-After within seconds, nothing is half-written, and the intake
 * serves again once PostgreSQL is back.
 */
class AvailabilityIT {

  private Path dataDirectory;
  private int port;
  private EmbeddedPostgresServer postgres;
  private TestIntake intake;

  @BeforeEach
  void startIntakeOnItsOwnPostgres() throws Exception {
    dataDirectory = Files.createTempDirectory("onceflow-availability");
    port = SharedTestInfrastructure.freePort();
    postgres = EmbeddedPostgresServer.start(dataDirectory, port, false);
    intake = TestIntake.start(postgres, "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY);
  }

  @AfterEach
  void stopEverything() throws Exception {
    intake.close();
    postgres.close();
  }

  @Test
  void answers503WithRetryAfterWhilePostgresIsDownAndStoresNothing() throws Exception {
    Client client = intake.admin().newClient("availability");
    IntakeHttp api = intake.http(client.apiKey());
    UUID account = intake.admin().openAccount(client.id(), "EUR", 10_000);
    String existing = id(api.submit("before", payment(account, 100)));

    postgres.close();
    // In parallel: each answer waits at most for Hikari's connection timeout (250 ms).
    List<Supplier<HttpResponse<String>>> requests =
        List.of(
            () -> api.submit("during", payment(account, 100)),
            () -> api.get("/transactions/" + existing),
            () -> api.await(existing, 2),
            () -> api.draft(null, payment(account, 100)),
            () -> api.confirm(existing),
            () -> api.get("/accounts"),
            () -> intake.admin().get("/admin/clients"));
    ExecutorService pool = Executors.newFixedThreadPool(requests.size());
    try {
      for (Future<HttpResponse<String>> answer :
          pool.invokeAll(
              requests.stream()
                  .map(r -> (Callable<HttpResponse<String>>) () -> timed(r))
                  .toList())) {
        HttpResponse<String> response = answer.get();
        assertProblem(response, 503, "service-unavailable");
        assertThat(response.headers().firstValue("Retry-After")).contains("5");
      }
    } finally {
      pool.shutdown();
    }

    postgres = EmbeddedPostgresServer.start(dataDirectory, port, false);
    // Had the refused attempt left its key claim behind, another payload would now answer 422.
    // The pool reconnects with a backoff of its own (up to 5 s after a long outage): until then
    // the answer is the same 503 with Retry-After, and a client retries as told.
    HttpResponse<String> retried =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> api.submit("during", payment(account, 250)),
                response -> response.statusCode() != 503);
    assertThat(retried.statusCode()).isEqualTo(202);
    assertThat(json(api.get("/accounts/" + account)).get("reserved").asLong()).isEqualTo(350);
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM transactions WHERE client_id = ?",
                Integer.class,
                client.id()))
        .isEqualTo(2);
    MoneyInvariant.assertHolds(postgres.jdbcUrl());
  }

  /** Each answer must come fast: Hikari gives up on a connection after 250 ms. */
  private static HttpResponse<String> timed(Supplier<HttpResponse<String>> request) {
    long started = System.nanoTime();
    HttpResponse<String> response = request.get();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    return response;
  }
}

package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.IntakeHttp.state;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.intake.transaction.TransactionWatcher;
import dev.onceflow.testing.MoneyInvariant;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code GET /transactions/{id}} with {@code Prefer: wait=N}. The intake here has 4 request threads
 * and 2 DB connections: if a waiting poll held either, 40 of them would starve everyone else.
 */
@ExtendWith(MoneyInvariant.class)
class LongPollIT {

  private static final int THREADS = 4;
  private static final int CONNECTIONS = 2;

  private static TestIntake intake;
  private static JdbcTemplate jdbc;
  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeAll
  static void startSmallIntake() {
    intake =
        TestIntake.start(
            SharedTestInfrastructure.postgres(),
            "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY,
            "--server.tomcat.threads.max=" + THREADS,
            "--server.tomcat.threads.min-spare=1",
            "--spring.datasource.hikari.maximum-pool-size=" + CONNECTIONS);
    jdbc = intake.jdbc;
  }

  @AfterAll
  static void stopIntake() {
    intake.close();
  }

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("long-poll test");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 1_000_000);
  }

  @Test
  void fortyWaitingPollsHoldNeitherRequestThreadsNorConnections() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(id(api.submit("wait-" + i, payment(accountId, 100 + i))));
    }
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
    for (String id : ids) {
      polls.add(
          IntakeHttp.sendAsync(
              http, api.request("/transactions/" + id).header("Prefer", "wait=25").GET().build()));
    }
    TransactionWatcher watcher = intake.context.getBean(TransactionWatcher.class);
    await().atMost(Duration.ofSeconds(20)).until(() -> watcher.waiting() == 40);

    // Ten times more waiting polls than threads and connections, and the API still answers.
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      assertThat(api.get("/accounts/" + accountId).statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }
    assertThat(polls).noneMatch(CompletableFuture::isDone);

    long changed = System.nanoTime();
    claimAll(ids);
    CompletableFuture.allOf(polls.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

    assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(10));
    for (CompletableFuture<HttpResponse<String>> poll : polls) {
      HttpResponse<String> response = poll.get();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(state(response)).isEqualTo("PROCESSING");
      assertThat(response.headers().firstValue("Preference-Applied")).contains("wait=25");
    }
    assertThat(watcher.waiting()).isZero();
  }

  @Test
  void returnsWhenThePaymentCompletes() throws Exception {
    String id = id(api.submit("complete", payment(accountId, 1_250)));
    claimAll(List.of(id));

    CompletableFuture<HttpResponse<String>> poll =
        CompletableFuture.supplyAsync(() -> api.await(id, 20));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> intake.context.getBean(TransactionWatcher.class).waiting() >= 1);
    complete(id);
    HttpResponse<String> response = poll.get(15, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(state(response)).isEqualTo("COMPLETED");
    assertThat(json(response).get("bankReference").asString()).isEqualTo("bank-" + id);
    assertThat(response.headers().firstValue("Preference-Applied")).contains("wait=20");
  }

  @Test
  void answersAfterTheWaitWhenNothingChanges() {
    String id = id(api.submit("unchanged", payment(accountId, 100)));

    long started = System.nanoTime();
    HttpResponse<String> response = api.await(id, 1);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(state(response)).isEqualTo("PENDING");
    assertThat(response.headers().firstValue("Preference-Applied")).contains("wait=1");
    assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(10));
  }

  @Test
  void aFinalStateAnswersAtOnceAndLongWaitsAreCapped() {
    HttpResponse<String> refused = api.submit("final", payment(accountId, 2_000_000));
    assertThat(state(refused)).isEqualTo("FAILED");

    long started = System.nanoTime();
    HttpResponse<String> response = api.await(id(refused), 3600);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(state(response)).isEqualTo("FAILED");
    assertThat(response.headers().firstValue("Preference-Applied")).contains("wait=30");
  }

  @Test
  void withoutAWaitPreferenceAnswersAtOnce() {
    String id = id(api.submit("plain", payment(accountId, 100)));

    HttpResponse<String> plain = api.get("/transactions/" + id);
    HttpResponse<String> zero =
        IntakeHttp.send(
            api.request("/transactions/" + id).header("Prefer", "wait=0").GET().build());

    for (HttpResponse<String> response : List.of(plain, zero)) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(state(response)).isEqualTo("PENDING");
      assertThat(response.headers().firstValue("Preference-Applied")).isEmpty();
    }
  }

  @Test
  void aWaitOnAnotherClientsTransactionIsNotFoundAtOnce() {
    String id = id(api.submit("mine", payment(accountId, 100)));
    IntakeHttp other = intake.http(intake.admin().newClient("other").apiKey());

    long started = System.nanoTime();
    HttpResponse<String> response = other.await(id, 10);

    assertProblem(response, 404, "transaction-not-found");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  /** What a worker's claim does: PENDING -> PROCESSING (funds stay reserved). */
  private static void claimAll(List<String> ids) {
    for (String id : ids) {
      assertThat(
              jdbc.update(
                  "UPDATE transactions SET state = 'PROCESSING', attempts = attempts + 1, version = version + 1"
                      + " WHERE id = ? AND state = 'PENDING'",
                  UUID.fromString(id)))
          .isEqualTo(1);
    }
  }

  /** What a worker's success does, in one DB transaction: COMPLETED, and the funds settled. */
  private static void complete(String id) {
    new TransactionTemplate(
            intake.context.getBean(
                org.springframework.transaction.PlatformTransactionManager.class))
        .executeWithoutResult(
            status -> {
              UUID tx = UUID.fromString(id);
              assertThat(
                      jdbc.update(
                          "UPDATE transactions SET state = 'COMPLETED', bank_reference = ?, version = version + 1"
                              + " WHERE id = ? AND state = 'PROCESSING'",
                          "bank-" + id,
                          tx))
                  .isEqualTo(1);
              assertThat(
                      jdbc.update(
                          """
                      UPDATE accounts a
                      SET balance = a.balance - t.amount, reserved = a.reserved - t.amount
                      FROM transactions t
                      WHERE t.id = ? AND a.id = t.account_id
                      """,
                          tx))
                  .isEqualTo(1);
            });
  }
}

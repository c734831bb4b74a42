package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.SharedTestInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What one client, one address and everyone together may ask of an intake, from outside. */
class LimitsIT {

  private static final String WAITING_POLLS = "onceflow.intake.long.polls.waiting";
  private static final String HELD_REFUSALS = "onceflow.intake.refusals.held";

  private static TestIntake intake;

  @BeforeAll
  static void startAnIntakeWithSmallLimits() {
    intake =
        TestIntake.start(
            SharedTestInfrastructure.postgres(),
            "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY,
            "--onceflow.intake.limits.requests-per-second=2",
            "--onceflow.intake.limits.burst=5",
            "--onceflow.intake.limits.failed-authentications-per-second=2",
            "--onceflow.intake.limits.long-polls-per-client=2",
            "--onceflow.intake.limits.long-polls=3",
            // Refusals answered at once here; holding them is tested on an intake of its own.
            "--onceflow.intake.limits.refusal-delay=0s",
            "--spring.datasource.hikari.maximum-pool-size=2");
  }

  @AfterAll
  static void stopIt() {
    intake.close();
  }

  @Test
  void aClientPastItsRateGets429WithRetryAfterAndOthersAreServed() {
    Client flooding = intake.admin().newClient("flooding");
    Client other = intake.admin().newClient("other");
    IntakeHttp api = intake.http(flooding.apiKey());

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      statuses.add(api.get("/accounts").statusCode());
    }
    HttpResponse<String> refused = api.get("/accounts");

    assertThat(statuses.subList(0, 5)).containsOnly(200);
    assertThat(statuses).contains(429);
    assertProblem(refused, 429, "rate-limited");
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 5L);
    assertThat(intake.http(other.apiKey()).get("/accounts").statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(retryAfter + 2))
        .until(() -> api.get("/accounts").statusCode() == 200);
  }

  @Test
  void anAddressSendingUnknownKeysGets429ButAKnownKeyFromItStillWorks() {
    Client known = intake.admin().newClient("known");
    assertThat(intake.http(known.apiKey()).get("/accounts").statusCode()).isEqualTo(200);

    List<HttpResponse<String>> forged = new ArrayList<>();
    while (forged.size() < 20
        && (forged.isEmpty() || forged.get(forged.size() - 1).statusCode() == 401)) {
      forged.add(intake.http("forged-" + UUID.randomUUID()).get("/accounts"));
    }
    // Remembered as valid (for half a second), the known key is not held up by the spent budget.
    assertThat(intake.http(known.apiKey()).get("/accounts").statusCode()).isEqualTo(200);

    assertThat(forged)
        .extracting(HttpResponse::statusCode)
        .startsWith(401, 401, 401, 401)
        .endsWith(429);
    assertProblem(forged.get(forged.size() - 1), 429, "too-many-failed-authentications");
    // The budget refills: the address may authenticate again (and the other tests here can).
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> intake.http("forged-" + UUID.randomUUID()).get("/accounts").statusCode() == 401);
  }

  @Test
  void longPollsPastTheirCapsAreAnsweredAtOnceWithoutWaiting() throws Exception {
    Client first = intake.admin().newClient("first poller");
    Client second = intake.admin().newClient("second poller");
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    String firstDraft = draft(first);
    String secondDraft = draft(second);
    waiting.add(poll(first, firstDraft));
    waiting.add(poll(first, firstDraft));
    await().atMost(Duration.ofSeconds(10)).until(() -> gauge(intake, WAITING_POLLS) == 2);

    long started = System.nanoTime();
    HttpResponse<String> overClientCap = intake.http(first.apiKey()).await(firstDraft, 20);
    waiting.add(poll(second, secondDraft));
    await().atMost(Duration.ofSeconds(10)).until(() -> gauge(intake, WAITING_POLLS) == 3);
    HttpResponse<String> overTotalCap = intake.http(second.apiKey()).await(secondDraft, 20);

    for (HttpResponse<String> immediate : List.of(overClientCap, overTotalCap)) {
      assertThat(immediate.statusCode()).isEqualTo(200);
      assertThat(IntakeHttp.state(immediate)).isEqualTo("DRAFT");
      assertThat(immediate.headers().firstValue("Preference-Applied")).isEmpty();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    waiting.forEach(poll -> poll.cancel(true));
  }

  @Test
  void aRefusalIsAnsweredAfterAJitteredRefusalDelayAndPastTheHeldCapAtOnce() throws Exception {
    try (TestIntake holding =
        TestIntake.start(
            SharedTestInfrastructure.postgres(),
            "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY,
            "--onceflow.intake.limits.requests-per-second=1",
            "--onceflow.intake.limits.burst=1",
            "--onceflow.intake.limits.refusal-delay=8s",
            "--onceflow.intake.limits.held-refusals=10")) {
      Client client = holding.admin().newClient("held");
      IntakeHttp api = holding.http(client.apiKey());
      HttpClient http = HttpClient.newHttpClient();
      assertThat(api.get("/accounts").statusCode()).isEqualTo(200);

      long sent = System.nanoTime();
      List<CompletableFuture<Long>> answeredAfterNanos = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 13; i++) {
        CompletableFuture<HttpResponse<String>> answer =
            IntakeHttp.sendAsync(http, api.request("/accounts").GET().build());
        answers.add(answer);
        answeredAfterNanos.add(answer.thenApply(response -> System.nanoTime() - sent));
      }
      await()
          .atMost(Duration.ofSeconds(4))
          .until(
              () ->
                  gauge(holding, HELD_REFUSALS) == 10
                      && answers.stream().filter(CompletableFuture::isDone).count() >= 1);

      // The bucket refilled at most one request meanwhile; every other one is a 429, ten of them
      // held for between half and one and a half delays (4-12 s), the rest answered at once.
      List<HttpResponse<String>> all = answers.stream().map(CompletableFuture::join).toList();
      List<Long> heldMillis = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).statusCode() == 429) {
          assertProblem(all.get(i), 429, "rate-limited");
          assertThat(all.get(i).headers().firstValue("Retry-After")).isPresent();
        }
        long millis = Duration.ofNanos(answeredAfterNanos.get(i).join()).toMillis();
        if (millis >= 4_000) {
          heldMillis.add(millis);
        }
      }
      assertThat(all)
          .extracting(HttpResponse::statusCode)
          .isSubsetOf(200, 429)
          .filteredOn(status -> status == 429)
          .hasSizeGreaterThanOrEqualTo(12);
      assertThat(heldMillis)
          .as("answers held for the jittered 8 s delay")
          .hasSize(10)
          .allMatch(millis -> millis < 12_000 + 1_000);
      // Ten delays drawn from 8 s of spread all within 1.6 s of each other: odds of about 1 in
      // 250,000.
      assertThat(
              heldMillis.stream().mapToLong(Long::longValue).max().getAsLong()
                  - heldMillis.stream().mapToLong(Long::longValue).min().getAsLong())
          .as("held refusals sent together come back spread out")
          .isGreaterThan(1_600);
      assertThat(gauge(holding, HELD_REFUSALS)).isZero();
    }
  }

  @Test
  void aLongPollAnsweredWhileItsClientIsAtItsLimitIsNotCountedTwice() throws Exception {
    // An intake of its own: no other test's polls count against its caps or its gauge.
    try (TestIntake polled =
        TestIntake.start(
            SharedTestInfrastructure.postgres(),
            "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY,
            "--onceflow.intake.limits.requests-per-second=2",
            "--onceflow.intake.limits.burst=5",
            "--onceflow.intake.limits.refusal-delay=0s")) {
      Client client = polled.admin().newClient("polling at its limit");
      UUID account = polled.admin().openAccount(client.id(), "EUR", 10_000);
      IntakeHttp api = polled.http(client.apiKey());
      String draft = id(api.draft(null, payment(account, 100)));
      ExecutorService threads = Executors.newFixedThreadPool(5);
      CompletableFuture<HttpResponse<String>> poll =
          CompletableFuture.supplyAsync(() -> api.await(draft, 2), threads);
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge(polled, WAITING_POLLS) == 1);
      // Admitted and waiting: now the same client takes every token as soon as the bucket refills,
      // so the poll's answer, after its 2 s wait, finds the bucket empty.
      List<CompletableFuture<Void>> spenders = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        spenders.add(
            CompletableFuture.runAsync(
                () -> {
                  while (!poll.isDone()) {
                    api.get("/accounts");
                  }
                },
                threads));
      }

      HttpResponse<String> answered = poll.get(30, TimeUnit.SECONDS);
      CompletableFuture.allOf(spenders.toArray(CompletableFuture[]::new)).join();
      threads.shutdown();

      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
      assertThat(IntakeHttp.state(answered)).isEqualTo("DRAFT");
      assertThat(answered.headers().firstValue("Preference-Applied"))
          .as("it waited")
          .contains("wait=2");
    }
  }

  @Test
  void aRequestFindingEveryConnectionBusyGets503OverloadedAtOnce() throws Exception {
    Client client = intake.admin().newClient("shed");
    HikariDataSource pool = intake.context.getBean(HikariDataSource.class);
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
        held.add(pool.getConnection());
      }

      long started = System.nanoTime();
      HttpResponse<String> shed = intake.http(client.apiKey()).get("/accounts");

      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isLessThan(Duration.ofMillis(1_000));
      assertProblem(shed, 503, "overloaded");
      assertThat(shed.headers().firstValue("Retry-After")).contains("1");
    } finally {
      for (Connection connection : held) {
        connection.close();
      }
    }
    assertThat(intake.http(client.apiKey()).get("/accounts").statusCode()).isEqualTo(200);
  }

  private static String draft(Client client) {
    UUID account = intake.admin().openAccount(client.id(), "EUR", 10_000);
    return id(intake.http(client.apiKey()).draft(null, payment(account, 100)));
  }

  private static CompletableFuture<HttpResponse<String>> poll(Client client, String transaction) {
    HttpRequest request =
        intake
            .http(client.apiKey())
            .request("/transactions/" + transaction)
            .header("Prefer", "wait=30")
            .GET()
            .build();
    return IntakeHttp.sendAsync(HttpClient.newHttpClient(), request);
  }

  /** The value of one of an intake's gauges. */
  private static int gauge(TestIntake instance, String name) {
    return (int) instance.context.getBean(MeterRegistry.class).get(name).gauge().value();
  }
}

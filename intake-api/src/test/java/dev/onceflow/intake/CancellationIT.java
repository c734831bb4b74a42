package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.IntakeHttp.state;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.store.ClaimedTransaction;
import dev.onceflow.store.TransactionTransitions;
import dev.onceflow.testing.MoneyInvariant;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** POST /transactions/{id}/cancel: before anything reached the bank, and never after. */
@ExtendWith(MoneyInvariant.class)
class CancellationIT {

  private final TestIntake intake = TestIntake.shared();
  private final JdbcTemplate jdbc = intake.jdbc;

  /**
   * A worker's claims and outcomes, as the worker's role makes them (its claim journals the bank
   * call), on pooled connections so that a claim races at a worker's speed.
   */
  private static final TransactionTransitions transitions = workerTransitions();

  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("cancelling client");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 100_000);
  }

  @Test
  void cancelsAPendingPaymentNoWorkerTookReleasingItsFundsOnce() {
    String id = id(api.submit("c-1", payment(accountId, 2_500)));
    assertThat(reserved()).isEqualTo(2_500);

    HttpResponse<String> cancelled = api.cancel(id);
    HttpResponse<String> again = api.cancel(id);

    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(state(cancelled)).isEqualTo("CANCELLED");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json(again)).isEqualTo(json(cancelled));
    assertThat(reserved()).isZero();
    assertThat(OutboxAudit.eventsFor(jdbc, id))
        .containsExactly("TransactionRequested", "TransactionCancelled");
    // A worker that gets the event now finds nothing to claim.
    assertThat(claim(id)).isEmpty();
    // The key replays the transaction as it is now.
    assertThat(state(api.submit("c-1", payment(accountId, 2_500)))).isEqualTo("CANCELLED");
  }

  @Test
  void cancelsADraftWhichThenCannotBeConfirmed() {
    String id = id(api.draft("c-2", payment(accountId, 700)));

    assertThat(state(api.cancel(id))).isEqualTo("CANCELLED");
    assertProblem(api.confirm(id), 409, "transaction-cancelled");
    assertThat(reserved()).isZero();
    assertThat(OutboxAudit.eventsFor(jdbc, id)).containsExactly("TransactionCancelled");
  }

  @Test
  void refusesOnceAWorkerTookItEvenIfItIsPendingAgainAndWhenFinal() {
    String taken = id(api.submit("c-3", payment(accountId, 100)));
    ClaimedTransaction claimed = claim(taken).orElseThrow();
    HttpResponse<String> whileProcessing = api.cancel(taken);
    Instant now = Instant.now();
    assertThat(transitions.retryLater(claimed, now, now)).isTrue();
    HttpResponse<String> whilePendingAgain = api.cancel(taken);
    String refused = id(api.submit("c-4", payment(accountId, 1_000_000)));

    assertProblem(whileProcessing, 409, "already-being-executed");
    assertProblem(whilePendingAgain, 409, "already-being-executed");
    assertThat(json(whilePendingAgain).get("title").asString()).isEqualTo("Already being executed");
    assertProblem(api.cancel(refused), 409, "transaction-final");
    assertThat(state(api.get("/transactions/" + taken))).isEqualTo("PENDING");
    assertThat(reserved()).isEqualTo(100);
    assertThat(OutboxAudit.eventsFor(jdbc, taken)).doesNotContain("TransactionCancelled");
  }

  @Test
  void anotherClientsOrAnUnknownTransactionIsNotFound() {
    String id = id(api.submit("c-5", payment(accountId, 100)));
    IntakeHttp other = intake.http(intake.admin().newClient("other").apiKey());

    assertProblem(other.cancel(id), 404, "transaction-not-found");
    assertProblem(api.cancel(UUID.randomUUID().toString()), 404, "transaction-not-found");
    assertProblem(api.cancel("not-a-uuid"), 400, "invalid-parameter");
    assertThat(state(api.get("/transactions/" + id))).isEqualTo("PENDING");
  }

  @Test
  void aCancelRacingAClaimTwoHundredTimesEndsOneWayOnlyEveryTime() throws Exception {
    ExecutorService racers = Executors.newFixedThreadPool(2);
    int cancelledCount = 0;
    int claimedCount = 0;
    try {
      for (int i = 0; i < 200; i++) {
        String id = id(api.submit("race-" + i, payment(accountId, 10)));
        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> cancel =
            CompletableFuture.supplyAsync(() -> await(start, () -> api.cancel(id)), racers);
        // The claim is one statement, the cancel an HTTP request: a random head start for the
        // cancel spreads the race so that both sides win often.
        long headStart = ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(8));
        CompletableFuture<Optional<ClaimedTransaction>> claim =
            CompletableFuture.supplyAsync(
                () ->
                    await(
                        start,
                        () -> {
                          LockSupport.parkNanos(headStart);
                          return claim(id);
                        }),
                racers);
        start.countDown();
        boolean cancelled = cancel.get().statusCode() == 200;
        boolean claimed = claim.get().isPresent();

        assertThat(cancelled ^ claimed)
            .as("race %d: cancelled %s, claimed %s", i, cancelled, claimed)
            .isTrue();
        String state = state(api.get("/transactions/" + id));
        if (cancelled) {
          cancelledCount++;
          assertThat(state).isEqualTo("CANCELLED");
        } else {
          claimedCount++;
          assertProblem(cancel.get(), 409, "already-being-executed");
          assertThat(state).isEqualTo("PROCESSING");
        }
      }
    } finally {
      racers.shutdown();
    }
    // Funds: 10 held by each claimed one, none by a cancelled one (the money invariant checks it).
    assertThat(reserved()).isEqualTo(10L * claimedCount);
    assertThat(cancelledCount + claimedCount).isEqualTo(200);
    assertThat(cancelledCount).as("cancels that won").isPositive();
    assertThat(claimedCount).as("claims that won").isPositive();
  }

  private static TransactionTransitions workerTransitions() {
    HikariDataSource worker = new HikariDataSource();
    worker.setJdbcUrl(
        TestIntake.shared().context.getEnvironment().getProperty("spring.datasource.url"));
    worker.setUsername("onceflow_worker");
    worker.setMaximumPoolSize(2);
    return new TransactionTransitions(JdbcClient.create(worker));
  }

  private Optional<ClaimedTransaction> claim(String id) {
    Instant now = Instant.now();
    return transitions.claim(UUID.fromString(id), now, now.plus(Duration.ofMinutes(5)));
  }

  private static <T> T await(CountDownLatch start, java.util.function.Supplier<T> action) {
    try {
      start.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return action.get();
  }

  private long reserved() {
    return jdbc.queryForObject("SELECT reserved FROM accounts WHERE id = ?", Long.class, accountId);
  }
}

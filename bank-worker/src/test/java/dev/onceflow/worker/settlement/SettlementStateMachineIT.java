package dev.onceflow.worker.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.BankCalls;
import dev.onceflow.store.ClaimedTransaction;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.TestWorker;
import dev.onceflow.worker.bank.BankClient;
import dev.onceflow.worker.bank.LookupResult;
import dev.onceflow.worker.bank.PaymentOrder;
import dev.onceflow.worker.bank.PaymentResult;
import dev.onceflow.worker.recovery.RecoverySweeper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.random.RandomGenerator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Random interleavings of what happens to transactions in production (deliveries, duplicate
 * deliveries, workers dying after their claim or after their bank call, workers hanging past their
 * lease and coming back, leases expiring, sweeps), driven through the worker's real transitions,
 * sweeper and processor, against a real PostgreSQL and the bank simulator with its faults on.
 *
 * <p>After every step, each state change the database committed (recorded by a trigger) must be one
 * {@link TransactionState#canBecome} allows, and no transaction's bank key may change. At the end,
 * once everything is final: one bank payment at most per transaction, COMPLETED exactly when the
 * bank settled, and the money adds up.
 *
 * <p>Time is a mutable clock; the bank's fault dice are seeded by the property, so a failing sample
 * replays the same bank behaviour.
 */
class SettlementStateMachineIT {

  private static final int TRANSACTIONS = 3;
  private static final long AMOUNT = 1_000;
  private static final long OPENING = 10_000;
  private static final Duration LEASE = Duration.ofSeconds(30);

  private static final MutableClock CLOCK = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private static final ReseedableDice DICE = new ReseedableDice();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ConfigurableApplicationContext bank;
  private static ConfigurableApplicationContext worker;
  private static String bankUrl;
  private static Connection db;
  private static SettlementTransitions transitions;
  private static SettlementProcessor processor;
  private static RecoverySweeper sweeper;
  private static BankClient bankClient;
  private static UUID clientId;

  /** Not a @Configuration, so that no other test's component scan picks it up. */
  static class MutableClockConfiguration {
    @Bean
    Clock clock() {
      return CLOCK;
    }
  }

  @BeforeContainer
  static void start() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    // A database of its own: the sweeper's view of "every stale row" is then this test's rows only.
    try (Connection admin =
            DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        var statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS settlement_properties");
      statement.execute("CREATE DATABASE settlement_properties");
    }
    String url = postgres.jdbcUrl("settlement_properties");

    int bankPort = SharedTestInfrastructure.freePort();
    bank =
        BankSimulatorApplication.application()
            .initializers(
                context -> context.getBeanFactory().registerSingleton("faultRandom", DICE))
            .run(
                "--server.port=" + bankPort,
                "--management.server.port=" + SharedTestInfrastructure.freePort(),
                // No timeouts: a held request lands in real time, which a clock that jumps
                // minutes at a time would outrun (reconciliation waits in clock time).
                "--onceflow.simulator.faults.error-rate=0.15",
                "--onceflow.simulator.faults.commit-then-fail-rate=0.15",
                "--onceflow.simulator.faults.decline-rate=0.1",
                "--onceflow.simulator.faults.throttle-rate=0.05",
                "--onceflow.simulator.faults.lookup-error-rate=0.1");
    bankUrl = "http://localhost:" + bankPort;

    worker =
        TestWorker.application(
                url,
                SharedTestInfrastructure.kafka().bootstrapServers(),
                bankUrl,
                "spring.main.allow-bean-definition-overriding=true",
                // The test is the only one delivering requests and running sweeps.
                "spring.kafka.listener.auto-startup=false",
                "onceflow.sweeper.interval=1h",
                "onceflow.monitoring.refresh-interval=1h",
                "onceflow.bank.connect-timeout=1s",
                "onceflow.bank.call-deadline=3s",
                "onceflow.worker.lease=" + LEASE.toSeconds() + "s",
                "onceflow.worker.retry.base=200ms",
                "onceflow.worker.retry.cap=5s",
                "onceflow.worker.retry.budget=4",
                "onceflow.worker.reconcile-delay=10s",
                "onceflow.worker.deadline=2m")
            .sources(MutableClockConfiguration.class)
            .run();
    assertThat(worker.getBean(Clock.class)).isSameAs(CLOCK);
    transitions = worker.getBean(SettlementTransitions.class);
    processor = worker.getBean(SettlementProcessor.class);
    sweeper = worker.getBean(RecoverySweeper.class);
    bankClient = worker.getBean(BankClient.class);

    db = DriverManager.getConnection(url, PostgresServer.USER, "");
    try (var statement = db.createStatement()) {
      statement.execute(
          """
          CREATE TABLE state_changes (
              seq        bigserial PRIMARY KEY,
              tx         uuid        NOT NULL,
              from_state varchar(16) NOT NULL,
              to_state   varchar(16) NOT NULL,
              old_key    varchar(64) NOT NULL,
              new_key    varchar(64) NOT NULL
          )
          """);
      // Run as this table's owner (SECURITY DEFINER): the worker's own role may not write it.
      statement.execute(
          """
          CREATE FUNCTION record_state_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
          BEGIN
            INSERT INTO state_changes (tx, from_state, to_state, old_key, new_key)
            VALUES (NEW.id, OLD.state, NEW.state, OLD.external_key, NEW.external_key);
            RETURN NEW;
          END $$
          """);
      // Rows of a rolled-back transaction roll back with it: the log holds committed changes only.
      statement.execute(
          """
          CREATE TRIGGER record_state_change AFTER UPDATE ON transactions FOR EACH ROW
          WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.external_key IS DISTINCT FROM NEW.external_key)
          EXECUTE FUNCTION record_state_change()
          """);
    }
    clientId = UUID.randomUUID();
    update("INSERT INTO clients (id, name, created_at) VALUES (?, 'properties', now())", clientId);
  }

  @AfterContainer
  static void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (bank != null) {
      bank.close();
    }
    if (db != null) {
      db.close();
    }
  }

  // --- the property -----------------------------------------------------------------------------

  @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED)
  void noInterleavingMakesAnIllegalTransitionOrASecondPayment(
      @ForAll long bankSeed, @ForAll("histories") List<Step> history) throws Exception {
    DICE.reseed(bankSeed);
    Run run = new Run();

    for (Step step : history) {
      run.apply(step);
      run.checkObservedTransitions();
    }
    // Stalled workers wake up eventually, whatever happened to their rows meanwhile.
    run.resumeAllStalled();
    run.checkObservedTransitions();
    run.drain();

    run.checkBankAgreesAndMoneyAddsUp();
  }

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Integer> tx = Arbitraries.integers().between(0, TRANSACTIONS - 1);
    @SuppressWarnings("unchecked")
    Arbitrary<Step> step =
        Arbitraries.frequencyOf(
            // Deliveries finish rows; the rest keep them in play, where the races are.
            Tuple.of(2, tx.map(Deliver::new)),
            Tuple.of(2, tx.map(DieAfterClaim::new)),
            Tuple.of(2, tx.map(DieAfterBankCall::new)),
            Tuple.of(4, tx.map(Hang::new)),
            Tuple.of(2, Arbitraries.integers().between(0, 3).map(Resume::new)),
            // Mostly past a lease (30 s), so that takeovers happen often.
            Tuple.of(3, Arbitraries.of(1, 5, 31, 31, 61, 130).map(Advance::new)),
            Tuple.of(2, Arbitraries.just(new Sweep())),
            Tuple.of(3, Arbitraries.just(new LeasesRunOut())));
    return step.list().ofMinSize(15).ofMaxSize(40);
  }

  // --- a stale worker loses ---------------------------------------------------------------------

  @Example
  void aWorkerWhoseExpiredLeaseWasTakenOverLosesEveryOutcome() throws Exception {
    DICE.calm();
    Run run = new Run();
    UUID tx = run.transactions.get(0);
    Instant now = CLOCK.instant();
    ClaimedTransaction stale = transitions.claim(tx, now, now.plus(LEASE)).orElseThrow();
    PaymentResult staleResult = bankClient.pay(PaymentOrder.of(stale), abortAt(stale));
    assertThat(staleResult).isInstanceOf(PaymentResult.Settled.class);

    // It stalls past its lease; the sweeper hands the row on and another worker claims it.
    CLOCK.advance(LEASE.plusSeconds(1));
    sweeper.sweep();
    assertThat(row(tx).state()).isEqualTo("PENDING");
    Instant takeover = CLOCK.instant();
    ClaimedTransaction current =
        transitions.claim(tx, takeover, takeover.plus(LEASE)).orElseThrow();
    PaymentResult currentResult = bankClient.pay(PaymentOrder.of(current), abortAt(current));
    Row claimedByTheOther = row(tx);

    // The row is PROCESSING again, but under the other claim: the stale worker loses every outcome.
    Instant later = CLOCK.instant();
    assertThat(
            transitions.complete(
                stale,
                ((PaymentResult.Settled) staleResult).paymentId(),
                later,
                ended(stale, later)))
        .isFalse();
    assertThat(transitions.fail(stale, FailureCode.DECLINED, "stale", later, ended(stale, later)))
        .isFalse();
    assertThat(transitions.retryLater(stale, later, later, ended(stale, later))).isFalse();
    assertThat(row(tx)).isEqualTo(claimedByTheOther);
    assertThat(accountColumn(run.account, "balance")).isEqualTo(OPENING);

    assertThat(
            transitions.complete(
                current,
                ((PaymentResult.Settled) currentResult).paymentId(),
                later,
                ended(current, later)))
        .isTrue();
    assertThat(row(tx).state()).isEqualTo("COMPLETED");
    assertThat(accountColumn(run.account, "balance")).isEqualTo(OPENING - AMOUNT);
    run.checkObservedTransitions();
    assertThat(run.ledger().get(tx.toString()))
        .singleElement()
        .satisfies(payment -> assertThat(payment.get("calls").asInt()).isEqualTo(2));
  }

  /**
   * How a test's own bank call ended, for the journal (what it got is not what these tests check).
   */
  private static BankCalls.End ended(ClaimedTransaction claim, Instant at) {
    return new BankCalls.End(claim.callId(), "test", null, Duration.ZERO, null, null, at);
  }

  // --- steps ------------------------------------------------------------------------------------

  /** Something that happens to the transactions of one run. */
  sealed interface Step {}

  /** A TransactionRequested reaches a worker (the first time, or again). */
  record Deliver(int tx) implements Step {}

  /** A worker claims the row and dies before calling the bank. */
  record DieAfterClaim(int tx) implements Step {}

  /** A worker claims the row, calls the bank and dies before recording the outcome. */
  record DieAfterBankCall(int tx) implements Step {}

  /** A worker claims the row, calls the bank, and stalls (a GC pause, a network partition). */
  record Hang(int tx) implements Step {}

  /** A stalled worker wakes up and records the outcome it got, however late. */
  record Resume(int which) implements Step {}

  /** Time passes. */
  record Advance(int seconds) implements Step {}

  /** A recovery sweep runs. */
  record Sweep() implements Step {}

  /** Every lease in force runs out, and then a sweep runs: the usual way a row changes hands. */
  record LeasesRunOut() implements Step {}

  /**
   * A worker that stalled after its bank call: a payment call for a PROCESSING claim, a lookup
   * (only) for an UNKNOWN one, as the worker does.
   */
  private record Stalled(ClaimedTransaction claim, PaymentResult paid, LookupResult looked) {

    static Stalled callBank(ClaimedTransaction claim) {
      return claim.state() == TransactionState.UNKNOWN
          ? new Stalled(claim, null, bankClient.lookup(claim.externalKey(), abortAt(claim)))
          : new Stalled(claim, bankClient.pay(PaymentOrder.of(claim), abortAt(claim)), null);
    }
  }

  /** One try: an account and its transactions, as intake leaves them. */
  private static final class Run {

    final UUID account = UUID.randomUUID();
    final List<UUID> transactions = new ArrayList<>();
    final List<Stalled> stalled = new ArrayList<>();
    long seenChanges;

    Run() throws SQLException {
      Instant now = CLOCK.instant();
      update(
          """
          INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
          VALUES (?, ?, 'EUR', ?, ?, ?, 0, ?, ?)
          """,
          account,
          clientId,
          OPENING,
          OPENING,
          TRANSACTIONS * AMOUNT,
          Timestamp.from(now),
          Timestamp.from(now));
      for (int i = 0; i < TRANSACTIONS; i++) {
        UUID id = UUID.randomUUID();
        update(
            """
            INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,
                                      reference, external_key, attempts, next_attempt_at, lease_until, version,
                                      created_at, updated_at)
            VALUES (?, ?, ?, 'PENDING', ?, 'EUR', 'ACME GmbH', 'DE89370400440532013000', 'property', ?, 0, ?, ?, 0, ?, ?)
            """,
            id,
            clientId,
            account,
            AMOUNT,
            "ext-" + UUID.randomUUID(),
            Timestamp.from(now),
            Timestamp.from(now.plus(LEASE)),
            Timestamp.from(now),
            Timestamp.from(now));
        transactions.add(id);
      }
      seenChanges = lastChange();
    }

    void apply(Step step) throws Exception {
      Instant now = CLOCK.instant();
      if (step instanceof Deliver deliver) {
        processor.process(transactions.get(deliver.tx()));
      } else if (step instanceof DieAfterClaim die) {
        transitions.claim(transactions.get(die.tx()), now, now.plus(LEASE));
      } else if (step instanceof DieAfterBankCall die) {
        transitions
            .claim(transactions.get(die.tx()), now, now.plus(LEASE))
            .ifPresent(Stalled::callBank);
      } else if (step instanceof Hang hang) {
        transitions
            .claim(transactions.get(hang.tx()), now, now.plus(LEASE))
            .ifPresent(claim -> stalled.add(Stalled.callBank(claim)));
      } else if (step instanceof Resume resume) {
        if (!stalled.isEmpty()) {
          resume(stalled.remove(resume.which() % stalled.size()), now);
        }
      } else if (step instanceof Advance advance) {
        CLOCK.advance(Duration.ofSeconds(advance.seconds()));
      } else if (step instanceof Sweep) {
        sweeper.sweep();
      } else if (step instanceof LeasesRunOut) {
        CLOCK.advance(LEASE.plusSeconds(1));
        sweeper.sweep();
      }
    }

    void resumeAllStalled() throws SQLException {
      while (!stalled.isEmpty()) {
        resume(stalled.remove(0), CLOCK.instant());
      }
    }

    /** The stalled worker records its outcome; it may win only if nobody touched the row since. */
    private void resume(Stalled worker, Instant at) throws SQLException {
      ClaimedTransaction claim = worker.claim();
      Row now = row(claim.id());
      boolean untouched = now.version() == claim.version();
      Statistics.label("stalled worker resumes")
          .collect(
              untouched
                  ? "row untouched"
                  : now.state().equals("PROCESSING") ? "row claimed by another" : "row moved on");
      Statistics.label("stalled claim")
          .collect(worker.looked() != null ? "a lookup" : "a payment call");
      boolean won;
      if (worker.looked() != null) {
        won = recordLookup(claim, worker.looked(), at);
      } else if (worker.paid() instanceof PaymentResult.Settled settled) {
        won = transitions.complete(claim, settled.paymentId(), at, ended(claim, at));
      } else if (worker.paid() instanceof PaymentResult.Declined declined) {
        won =
            transitions.fail(claim, FailureCode.DECLINED, declined.detail(), at, ended(claim, at));
      } else if (worker.paid() instanceof PaymentResult.Accepted accepted) {
        won =
            transitions.becomeUnknown(claim, null, accepted.paymentId(), at, at, ended(claim, at));
      } else {
        won = transitions.retryLater(claim, at.plusSeconds(1), at, ended(claim, at));
      }
      assertThat(won)
          .as("a stalled worker's outcome counts only if its claim is still the row's")
          .isEqualTo(untouched);
    }

    /**
     * A lookup's answer, as the worker records it: a definitive one ends the row, any other asks
     * again.
     */
    private boolean recordLookup(ClaimedTransaction claim, LookupResult looked, Instant at) {
      if (looked instanceof LookupResult.Found found && found.isSettled()) {
        return transitions.complete(claim, found.paymentId(), at, ended(claim, at));
      }
      if (looked instanceof LookupResult.Found found && found.isDeclined()) {
        return transitions.fail(
            claim, FailureCode.DECLINED, found.declineReason(), at, ended(claim, at));
      }
      return transitions.lookUpLater(claim, null, at.plusSeconds(1), at, ended(claim, at));
    }

    /** With time passing, sweeps and deliveries, every transaction reaches a final state. */
    void drain() throws Exception {
      for (int round = 0; round < 40 && !allFinal(); round++) {
        // Past any lease, backoff, Retry-After and reconcile delay in force.
        CLOCK.advance(LEASE.plusSeconds(5));
        sweeper.sweep();
        for (UUID tx : transactions) {
          processor.process(tx);
        }
        checkObservedTransitions();
      }
      for (UUID tx : transactions) {
        String state = row(tx).state();
        Statistics.label("final state").collect(state);
        assertThat(state).as("state of %s after draining", tx).isIn("COMPLETED", "FAILED");
      }
    }

    void checkObservedTransitions() throws SQLException {
      try (PreparedStatement query =
          db.prepareStatement(
              """
              SELECT seq, tx, from_state, to_state, old_key, new_key
              FROM state_changes
              WHERE seq > ?
              AND tx = ANY (?)
              ORDER BY seq
              """)) {
        query.setLong(1, seenChanges);
        query.setArray(2, db.createArrayOf("uuid", transactions.toArray()));
        try (ResultSet changes = query.executeQuery()) {
          while (changes.next()) {
            TransactionState from = TransactionState.valueOf(changes.getString("from_state"));
            TransactionState to = TransactionState.valueOf(changes.getString("to_state"));
            assertThat(from.canBecome(to))
                .as("%s -> %s of %s", from, to, changes.getObject("tx"))
                .isTrue();
            assertThat(changes.getString("new_key"))
                .as("bank key of %s", changes.getObject("tx"))
                .isEqualTo(changes.getString("old_key"));
            seenChanges = Math.max(seenChanges, changes.getLong("seq"));
          }
        }
      }
    }

    void checkBankAgreesAndMoneyAddsUp() throws Exception {
      checkObservedTransitions();
      Map<String, List<JsonNode>> ledger = ledger();
      long completed = 0;
      for (UUID tx : transactions) {
        Row row = row(tx);
        List<JsonNode> payments = ledger.getOrDefault(tx.toString(), List.of());
        assertThat(payments).as("bank payments for %s", tx).hasSizeLessThanOrEqualTo(1);
        Optional<JsonNode> payment = payments.stream().findFirst();
        payment.ifPresent(
            p ->
                assertThat(p.get("idempotencyKey").asString())
                    .as("key of %s", tx)
                    .isEqualTo(row.externalKey()));
        boolean settled =
            payment.map(p -> "SETTLED".equals(p.get("status").asString())).orElse(false);
        if (row.state().equals("COMPLETED")) {
          assertThat(settled).as("%s COMPLETED and settled at the bank", tx).isTrue();
          assertThat(row.bankReference()).isEqualTo(payment.get().get("paymentId").asString());
          completed += AMOUNT;
        } else {
          assertThat(settled).as("%s FAILED and not settled at the bank", tx).isFalse();
        }
      }
      assertThat(accountColumn(account, "balance")).isEqualTo(OPENING - completed);
      assertThat(accountColumn(account, "reserved")).isZero();
    }

    Map<String, List<JsonNode>> ledger() throws Exception {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(bankUrl + "/payments")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      Map<String, List<JsonNode>> byTransaction = new HashMap<>();
      for (JsonNode payment : JSON.readTree(response.body())) {
        byTransaction
            .computeIfAbsent(payment.get("endToEndReference").asString(), key -> new ArrayList<>())
            .add(payment);
      }
      return byTransaction;
    }

    private boolean allFinal() throws SQLException {
      for (UUID tx : transactions) {
        if (!TransactionState.valueOf(row(tx).state()).isFinal()) {
          return false;
        }
      }
      return true;
    }
  }

  // --- SQL --------------------------------------------------------------------------------------

  private record Row(String state, long version, String externalKey, String bankReference) {}

  private static Row row(UUID tx) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT state, version, external_key, bank_reference FROM transactions WHERE id = ?")) {
      query.setObject(1, tx);
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).isTrue();
        return new Row(row.getString(1), row.getLong(2), row.getString(3), row.getString(4));
      }
    }
  }

  private static long accountColumn(UUID account, String column) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement("SELECT " + column + " FROM accounts WHERE id = ?")) {
      query.setObject(1, account);
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  /** Calls made by hand get the worker's deadline (3 s after the claim). */
  private static Instant abortAt(ClaimedTransaction claim) {
    return claim.claimedAt().plusSeconds(3);
  }

  private static long lastChange() throws SQLException {
    try (var statement = db.createStatement();
        ResultSet row = statement.executeQuery("SELECT coalesce(max(seq), 0) FROM state_changes")) {
      row.next();
      return row.getLong(1);
    }
  }

  private static void update(String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      assertThat(statement.executeUpdate()).isEqualTo(1);
    }
  }

  /** The bank's fault dice: seeded per try, or calm (never a fault). */
  private static final class ReseedableDice implements RandomGenerator {

    private volatile Random random = new Random(0);
    private volatile boolean calm;

    void reseed(long seed) {
      random = new Random(seed);
      calm = false;
    }

    void calm() {
      calm = true;
    }

    @Override
    public double nextDouble() {
      // Above every configured rate's range, and above lookupErrorRate.
      return calm ? 0.999 : random.nextDouble();
    }

    @Override
    public long nextLong() {
      return random.nextLong();
    }
  }
}

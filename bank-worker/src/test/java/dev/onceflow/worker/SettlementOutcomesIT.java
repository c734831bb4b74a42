package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.infra.SharedTestInfrastructure;
import dev.onceflow.worker.ScriptedBank.Answer;
import dev.onceflow.worker.TestDatabase.TransactionRow;
import dev.onceflow.worker.monitoring.TransactionGauges;
import dev.onceflow.worker.settlement.SettlementProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Each kind of bank answer (declines, 5xx, throttling, timeouts, and reconciliation after the
 * retry budget or the deadline), scripted one call at a time, against a real PostgreSQL. The
 * processor is driven directly, one request at a time; its Kafka listener and the sweeper are off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SettlementOutcomesIT {

  private static final int BUDGET = 8;
  private static final Duration RECONCILE_DELAY = Duration.ofSeconds(3);
  // connect (2 s, the default) + read (1 s) timeout
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(3);
  private static final Duration DEADLINE = Duration.ofMinutes(1);

  private ScriptedBank bank;
  private ConfigurableApplicationContext worker;
  private SettlementProcessor processor;
  private TestDatabase db;

  @BeforeAll
  void start() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    bank = new ScriptedBank();
    worker =
        BankWorkerApplication.application()
            .properties(
                "server.port=" + SharedTestInfrastructure.freePort(),
                "management.server.port=" + SharedTestInfrastructure.freePort(),
                "spring.datasource.url=" + postgres.jdbcUrl(),
                "spring.datasource.username=" + PostgresServer.USER,
                "spring.datasource.password=",
                "spring.kafka.bootstrap-servers=" + SharedTestInfrastructure.kafka().bootstrapServers(),
                "spring.kafka.listener.auto-startup=false",
                "onceflow.sweeper.enabled=false",
                "onceflow.bank.base-url=" + bank.baseUrl(),
                "onceflow.bank.read-timeout=1s",
                "onceflow.worker.retry.budget=" + BUDGET,
                "onceflow.worker.reconcile-delay=" + RECONCILE_DELAY.toSeconds() + "s",
                "onceflow.worker.deadline=" + DEADLINE.toSeconds() + "s")
            .run();
    processor = worker.getBean(SettlementProcessor.class);
    db = new TestDatabase(postgres, "settlement_outcomes_it");
  }

  @AfterAll
  void stop() throws Exception {
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

  @BeforeEach
  void forgetTheScript() {
    bank.reset();
  }

  @Test
  void declineFailsTheTransactionAndReleasesTheFunds() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.problem(402, "Creditor account closed"));

    processor.process(tx);

    TransactionRow failed = db.transaction(tx);
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.failureCode()).isEqualTo("DECLINED");
    assertThat(failed.failureDetail()).isEqualTo("Creditor account closed");
    assertThat(db.balance(account)).isEqualTo(10_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(bank.paymentKeys()).containsExactly(failed.externalKey());
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionFailed");
  }

  @Test
  void unknownOutcomeGoesBackToPendingHonouringRetryAfterAndTheRetrySendsTheSameKey()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.problem(429, "Slow down").withHeader("Retry-After", "5"));
    Instant before = Instant.now();

    processor.process(tx);

    TransactionRow pending = db.transaction(tx);
    assertThat(pending.state()).isEqualTo("PENDING");
    assertThat(pending.attempts()).isEqualTo(1);
    assertThat(pending.nextAttemptAt()).isAfterOrEqualTo(before.plusSeconds(5));
    assertThat(pending.leaseUntil()).isEqualTo(pending.nextAttemptAt());
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();

    // Not due yet: a redelivered request does nothing.
    processor.process(tx);
    assertThat(db.transaction(tx)).isEqualTo(pending);

    db.makeDue(tx);
    bank.onPay(Answer.payment(201, "pay-2", "SETTLED"));
    processor.process(tx);

    TransactionRow completed = db.transaction(tx);
    assertThat(completed.state()).isEqualTo("COMPLETED");
    assertThat(completed.bankReference()).isEqualTo("pay-2");
    assertThat(completed.attempts()).isEqualTo(2);
    assertThat(bank.paymentKeys()).containsExactly(pending.externalKey(), pending.externalKey());
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
  }

  @Test
  void readTimeoutIsAnUnknownOutcome() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.payment(201, "too-late", "SETTLED").after(Duration.ofSeconds(3)));
    double timeoutsBefore = counter("onceflow.worker.retries", "cause", "timeout");

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("PENDING");
    assertThat(counter("onceflow.worker.retries", "cause", "timeout")).isEqualTo(timeoutsBefore + 1);
    assertThat(db.reserved(account)).isEqualTo(1_000);
  }

  @Test
  void afterTheBudgetAPaymentTheBankHoldsCompletesTheTransaction() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(503, "Unavailable"));
    bank.onLookup(Answer.payment(200, "pay-9", "SETTLED"));

    processor.process(tx);

    TransactionRow completed = db.transaction(tx);
    assertThat(completed.state()).isEqualTo("COMPLETED");
    assertThat(completed.bankReference()).isEqualTo("pay-9");
    assertThat(bank.lookupQueries()).containsExactly("idempotencyKey=" + completed.externalKey());
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionCompleted");
  }

  @Test
  void afterTheBudgetTheTransactionFailsOnlyOnceTheBankConfirmsItHoldsNoPayment() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(500, "Boom"));
    bank.onLookup(Answer.problem(404, "No payment"));
    Instant before = Instant.now();

    processor.process(tx);

    // The last call may still land at the bank: ask again later before failing.
    TransactionRow waiting = db.transaction(tx);
    assertThat(waiting.state()).isEqualTo("PENDING");
    assertThat(waiting.attempts()).isEqualTo(BUDGET);
    assertThat(waiting.nextAttemptAt()).isAfterOrEqualTo(before.plus(RECONCILE_DELAY));
    assertThat(db.reserved(account)).isEqualTo(1_000);

    db.makeDue(tx);
    bank.onLookup(Answer.problem(404, "No payment"));
    processor.process(tx);

    TransactionRow failed = db.transaction(tx);
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.failureCode()).isEqualTo("RETRIES_EXHAUSTED");
    assertThat(bank.paymentKeys()).as("no payment call once the budget is spent").hasSize(1);
    assertThat(bank.lookupQueries()).hasSize(2);
    assertThat(db.balance(account)).isEqualTo(10_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionFailed");
  }

  @Test
  void afterTheBudgetAnUnreachableBankLeavesTheTransactionPendingAndNeedingAttention()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx =
        db.insertTransaction(account, 1_000, "PENDING", BUDGET, 0, "now()", "now() + interval '30 seconds'");
    bank.onLookup(Answer.problem(503, "Unavailable"));
    double attentionBefore = counter("onceflow.worker.needs.attention", null, null);

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("PENDING");
    assertThat(bank.paymentKeys()).isEmpty();
    assertThat(counter("onceflow.worker.needs.attention", null, null)).isEqualTo(attentionBefore + 1);
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();
  }

  @Test
  void pastItsDeadlineATransactionMakesNoPaymentCallAndFailsOnceTheBankConfirmsItHoldsNone()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertTransaction(account, 1_000, "PENDING", 2, 0, "now()", "now() + interval '30 seconds'");
    // Long enough ago that its last call, and the reconcile delay after it, are over too.
    db.setFirstAttemptAt(tx, "now() - interval '2 minutes'");
    bank.onLookup(Answer.problem(404, "No payment"));

    processor.process(tx);

    TransactionRow failed = db.transaction(tx);
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.failureCode()).isEqualTo("RETRIES_EXHAUSTED");
    assertThat(failed.failureDetail()).contains("deadline");
    assertThat(bank.paymentKeys()).isEmpty();
    assertThat(bank.lookupQueries()).containsExactly("idempotencyKey=" + failed.externalKey());
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionFailed");
  }

  @Test
  void justPastItsDeadlineATransactionWaitsForItsLastCallToLandBeforeFailing() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertTransaction(account, 1_000, "PENDING", 3, 0, "now()", "now() + interval '30 seconds'");
    db.setFirstAttemptAt(tx, "now() - interval '61 seconds'");
    bank.onLookup(Answer.problem(404, "No payment"));
    Instant before = Instant.now();

    processor.process(tx);

    // A call started just before the deadline may still land: not FAILED before it is surely over.
    TransactionRow waiting = db.transaction(tx);
    assertThat(waiting.state()).isEqualTo("PENDING");
    assertThat(waiting.nextAttemptAt())
        .isAfter(before.minus(Duration.ofSeconds(61)).plus(DEADLINE).plus(CALL_DEADLINE).plus(RECONCILE_DELAY).minusSeconds(1));
    assertThat(bank.paymentKeys()).isEmpty();

    db.makeDue(tx);
    bank.onLookup(Answer.payment(200, "pay-landed-late", "SETTLED"));
    processor.process(tx);

    TransactionRow completed = db.transaction(tx);
    assertThat(completed.state()).isEqualTo("COMPLETED");
    assertThat(completed.bankReference()).isEqualTo("pay-landed-late");
    assertThat(bank.paymentKeys()).as("never a payment call past the deadline").isEmpty();
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
  }

  @Test
  void aDeclineAfterAnUnknownOutcomeAsksTheBankAndCompletesIfTheEarlierCallWasExecuted()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    // Attempt 1 ended with an unknown outcome; the bank may hold its payment.
    UUID tx = db.insertTransaction(account, 1_000, "PENDING", 1, 0, "now()", "now() + interval '30 seconds'");
    bank.onPay(Answer.problem(422, "Creditor account closed"));
    bank.onLookup(Answer.payment(200, "pay-first-call", "SETTLED"));

    processor.process(tx);

    TransactionRow completed = db.transaction(tx);
    assertThat(completed.state()).isEqualTo("COMPLETED");
    assertThat(completed.bankReference()).isEqualTo("pay-first-call");
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
  }

  @Test
  void gaugesCountTransactionsByStateAndTheStuckOnesFromACachedRecount() throws Exception {
    TransactionGauges gauges = worker.getBean(TransactionGauges.class);
    gauges.refresh();
    double processingBefore = gauge("onceflow.transactions", "state", "PROCESSING");
    double expiredBefore = gauge("onceflow.transactions.stuck", "reason", "lease-expired");
    double overdueBefore = gauge("onceflow.transactions.stuck", "reason", "overdue");
    UUID account = db.insertAccount(10_000, 300);
    UUID abandoned =
        db.insertTransaction(
            account, 100, "PROCESSING", 1, 1, "now() - interval '10 minutes'", "now() - interval '1 minute'");
    UUID overdue =
        db.insertTransaction(
            account, 100, "PENDING", 0, 0, "now() - interval '10 minutes'", "now() + interval '1 minute'");
    UUID fine = db.insertPendingTransaction(account, 100);
    try {
      // Cached: the rows exist, but nothing is counted until the next recount.
      assertThat(gauge("onceflow.transactions", "state", "PROCESSING")).isEqualTo(processingBefore);

      gauges.refresh();

      assertThat(gauge("onceflow.transactions", "state", "PROCESSING")).isEqualTo(processingBefore + 1);
      assertThat(gauge("onceflow.transactions.stuck", "reason", "lease-expired")).isEqualTo(expiredBefore + 1);
      assertThat(gauge("onceflow.transactions.stuck", "reason", "overdue")).isEqualTo(overdueBefore + 1);
    } finally {
      db.delete(abandoned);
      db.delete(overdue);
      db.delete(fine);
    }
  }

  private double gauge(String name, String tag, String value) {
    return worker.getBean(MeterRegistry.class).get(name).tag(tag, value).gauge().value();
  }

  /** A due transaction whose next claim is its last budgeted attempt. */
  private UUID lastBudgetedAttempt(UUID account, long amount) throws Exception {
    return db.insertTransaction(
        account, amount, "PENDING", BUDGET - 1, 0, "now()", "now() + interval '30 seconds'");
  }

  private double counter(String name, String tag, String value) {
    var search = worker.getBean(MeterRegistry.class).find(name);
    Counter counter = tag == null ? search.counter() : search.tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }
}

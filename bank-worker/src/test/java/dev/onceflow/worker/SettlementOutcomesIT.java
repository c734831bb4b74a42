package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.ScriptedBank.Answer;
import dev.onceflow.worker.TestDatabase.TransactionRow;
import dev.onceflow.worker.monitoring.TransactionGauges;
import dev.onceflow.worker.settlement.SettlementProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Each kind of bank answer (declines, 5xx, throttling, timeouts, and reconciliation after the retry
 * budget or the deadline), scripted one call at a time, against a real PostgreSQL. The processor is
 * driven directly, one request at a time; its Kafka listener and the sweeper are off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SettlementOutcomesIT {

  private static final int BUDGET = 8;
  private static final Duration RECONCILE_DELAY = Duration.ofSeconds(3);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(2);
  private static final Duration DEADLINE = Duration.ofMinutes(1);

  private static final String CREDENTIAL = "Bearer bank-token-for-tests";

  private ScriptedBank bank;
  private ConfigurableApplicationContext worker;
  private SettlementProcessor processor;
  private TestDatabase db;

  @BeforeAll
  void start() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    bank = new ScriptedBank();
    worker =
        TestWorker.driven(
            bank.baseUrl(),
            "onceflow.bank.credential=" + CREDENTIAL,
            "onceflow.bank.connect-timeout=1s",
            "onceflow.bank.call-deadline=" + CALL_DEADLINE.toSeconds() + "s",
            "onceflow.worker.retry.budget=" + BUDGET,
            "onceflow.worker.reconcile-delay=" + RECONCILE_DELAY.toSeconds() + "s",
            "onceflow.worker.deadline=" + DEADLINE.toSeconds() + "s");
    processor = worker.getBean(SettlementProcessor.class);
    db = new TestDatabase(postgres, "settlement_outcomes_it");
  }

  @AfterAll
  void stop() throws Exception {
    TestWorker.closeAll(worker, bank, db);
  }

  @BeforeEach
  void forgetTheScript() {
    bank.reset();
  }

  @Test
  void everyCallCarriesTheConfiguredCredential() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.problem(503, "busy"));
    bank.onLookup(Answer.payment(200, "pay-c", "SETTLED"));

    processor.process(tx);
    db.makeDue(tx);
    bank.onPay(Answer.payment(201, "pay-c", "SETTLED"));
    processor.process(tx);

    assertThat(db.transaction(tx).state()).isEqualTo("COMPLETED");
    assertThat(bank.credentials()).isNotEmpty().containsOnly(CREDENTIAL);
  }

  @Test
  void anAnswerLargerThanTheCapIsNotReadAndItsOutcomeIsUnknown() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    String padding = "x".repeat(70 * 1024);
    bank.onPay(
        new Answer(
            201,
            "application/json",
            "{\"paymentId\":\"pay-big\",\"status\":\"SETTLED\",\"padding\":\"" + padding + "\"}",
            java.util.Map.of(),
            Duration.ZERO,
            Duration.ZERO));

    processor.process(tx);

    TransactionRow row = db.transaction(tx);
    assertThat(row.state()).isEqualTo("PENDING");
    assertThat(row.bankReference()).isNull();
    assertThat(row.attempts()).isEqualTo(1);
    assertThat(db.reserved(account)).isEqualTo(1_000);
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
    bank.onPay(Answer.problem(429, "Slow down").withHeader("Retry-After", "2"));
    Instant before = Instant.now();

    processor.process(tx);

    TransactionRow pending = db.transaction(tx);
    assertThat(pending.state()).isEqualTo("PENDING");
    assertThat(pending.attempts()).isEqualTo(1);
    assertThat(pending.nextAttemptAt()).isAfterOrEqualTo(before.plusSeconds(2));
    assertThat(pending.leaseUntil()).isEqualTo(pending.nextAttemptAt());
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();

    // Not due yet: a redelivered request does nothing. (Pushed an hour ahead first: the worker's
    // gate holds every call for the Retry-After, by the end of which this row would be due.)
    db.execute(
        "UPDATE transactions SET next_attempt_at = now() + interval '1 hour' WHERE id = '"
            + tx
            + "'");
    TransactionRow notDue = db.transaction(tx);
    processor.process(tx);
    assertThat(db.transaction(tx)).isEqualTo(notDue);

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
  void aCallStillOpenAtItsDeadlineIsAbortedAndItsOutcomeIsUnknown() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    // A byte every 300 ms: no read ever waits long, but the whole answer would take over 20 s.
    bank.onPay(Answer.payment(201, "too-late", "SETTLED").trickled(Duration.ofMillis(300)));
    double abortedBefore = counter("onceflow.worker.retries", "cause", "deadline");
    long started = System.nanoTime();

    processor.process(tx);

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isLessThan(CALL_DEADLINE.plusSeconds(1));
    assertThat(db.state(tx)).isEqualTo("PENDING");
    assertThat(counter("onceflow.worker.retries", "cause", "deadline"))
        .isEqualTo(abortedBefore + 1);
    assertThat(db.reserved(account)).isEqualTo(1_000);
  }

  @Test
  void aSuccessAnswerWithoutAStatusProvesNothing() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(
        new Answer(
            201,
            "application/json",
            "{\"paymentId\":\"p-1\"}",
            java.util.Map.of(),
            Duration.ZERO,
            Duration.ZERO));

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("PENDING");
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();
  }

  @Test
  void afterTheBudgetTheTransactionIsUnknownAndAPaymentTheBankHoldsCompletesIt() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(503, "Unavailable"));

    processor.process(tx);

    TransactionRow unknown = db.transaction(tx);
    assertThat(unknown.state()).isEqualTo("UNKNOWN");
    assertThat(bank.lookupQueries()).isEmpty();
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();

    db.makeDue(tx);
    bank.onLookup(Answer.payment(200, "pay-9", "SETTLED"));
    processor.process(tx);

    TransactionRow completed = db.transaction(tx);
    assertThat(completed.state()).isEqualTo("COMPLETED");
    assertThat(completed.bankReference()).isEqualTo("pay-9");
    assertThat(completed.attempts()).as("lookups are no attempts").isEqualTo(BUDGET);
    assertThat(bank.paymentKeys()).as("no payment call once UNKNOWN").hasSize(1);
    assertThat(bank.lookupQueries()).containsExactly("idempotencyKey=" + completed.externalKey());
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionCompleted");
  }

  @Test
  void anUnknownTransactionFailsOnlyOnceTheBankSaysItHoldsNoPaymentAfterTheReconcileDelay()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(500, "Boom"));
    Instant before = Instant.now();

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("UNKNOWN");
    assertThat(db.absenceTrustedFrom(tx)).isAfterOrEqualTo(before.plus(RECONCILE_DELAY));

    // Too early: the last call may still land at the bank. Asked again once it is believable.
    db.makeDue(tx);
    bank.onLookup(Answer.problem(404, "No payment"));
    processor.process(tx);
    TransactionRow waiting = db.transaction(tx);
    assertThat(waiting.state()).isEqualTo("UNKNOWN");
    assertThat(waiting.nextAttemptAt()).isAfterOrEqualTo(db.absenceTrustedFrom(tx));
    assertThat(db.reserved(account)).isEqualTo(1_000);

    db.trustAbsence(tx);
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
  void aNoPaymentAnswerToALookupAskedTooEarlyIsNotBelievedHoweverLateItArrives() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(500, "Boom"));
    processor.process(tx);
    // Absence is believable 1 s from now; the bank answers "no payment" only 1.5 s after the
    // question.
    db.execute(
        "UPDATE transactions SET absence_trusted_from = now() + interval '1 second' WHERE id = '"
            + tx
            + "'");
    db.makeDue(tx);
    bank.onLookup(Answer.problem(404, "No payment").after(Duration.ofMillis(1_500)));

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("UNKNOWN");
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();
  }

  @Test
  void aDeclineAfterAnUnknownOutcomeThatTheBankHasNoRecordOfIsUnknownNotFailed() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    // Attempt 1 ended with an unknown outcome moments ago; it may still land at the bank.
    UUID tx =
        db.insertTransaction(
            account, 1_000, "PENDING", 1, 0, "now()", "now() + interval '30 seconds'");
    bank.onPay(Answer.problem(422, "Creditor account closed"));
    bank.onLookup(Answer.problem(404, "No payment"));

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("UNKNOWN");
    assertThat(db.absenceTrustedFrom(tx)).isAfter(java.time.Instant.now());
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();
  }

  @Test
  void anUnreachableBankLeavesTheTransactionUnknownAndNeedingAttention() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = lastBudgetedAttempt(account, 1_000);
    bank.onPay(Answer.problem(500, "Boom"));
    processor.process(tx);
    db.trustAbsence(tx);
    db.makeDue(tx);
    bank.onLookup(Answer.problem(503, "Unavailable"));
    double attentionBefore = counter("onceflow.worker.needs.attention", null, null);

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("UNKNOWN");
    assertThat(counter("onceflow.worker.needs.attention", null, null))
        .isEqualTo(attentionBefore + 1);
    assertThat(db.reserved(account)).isEqualTo(1_000);
    assertThat(db.outboxEvents(tx)).isEmpty();
  }

  @Test
  void pastItsDeadlineATransactionMakesNoPaymentCallAndEndsOnTheBanksAnswer() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx =
        db.insertTransaction(
            account, 1_000, "PENDING", 2, 0, "now()", "now() + interval '30 seconds'");
    db.setFirstAttemptAt(tx, "now() - interval '2 minutes'");

    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("UNKNOWN");
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
  void aPendingAnswerIsLookedUpUntilTheBankSettlesAndItsAbsenceIsNeverBelieved() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.payment(202, "pay-pending", "PENDING"));

    processor.process(tx);

    TransactionRow unknown = db.transaction(tx);
    assertThat(unknown.state()).isEqualTo("UNKNOWN");
    assertThat(unknown.bankReference()).isEqualTo("pay-pending");
    assertThat(db.absenceTrustedFrom(tx)).as("the bank acknowledged it").isNull();

    for (Answer answer :
        List.of(Answer.payment(200, "pay-pending", "PENDING"), Answer.problem(404, "No payment"))) {
      db.makeDue(tx);
      bank.onLookup(answer);
      processor.process(tx);
      assertThat(db.state(tx)).isEqualTo("UNKNOWN");
      assertThat(db.reserved(account)).isEqualTo(1_000);
    }

    db.makeDue(tx);
    bank.onLookup(Answer.payment(200, "pay-pending", "SETTLED"));
    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("COMPLETED");
    assertThat(bank.paymentKeys()).hasSize(1);
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionCompleted");
  }

  @Test
  void aPendingPaymentTheBankRejectsFailsWithItsFundsReleased() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.payment(202, "pay-pending", "PENDING"));
    processor.process(tx);

    db.makeDue(tx);
    bank.onLookup(Answer.payment(200, "pay-pending", "DECLINED"));
    processor.process(tx);

    TransactionRow failed = db.transaction(tx);
    assertThat(failed.state()).isEqualTo("FAILED");
    assertThat(failed.failureCode()).isEqualTo("DECLINED");
    assertThat(db.balance(account)).isEqualTo(10_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionFailed");
  }

  @Test
  void aDeclineAfterAnUnknownOutcomeAsksTheBankAndCompletesIfTheEarlierCallWasExecuted()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    // Attempt 1 ended with an unknown outcome; the bank may hold its payment.
    UUID tx =
        db.insertTransaction(
            account, 1_000, "PENDING", 1, 0, "now()", "now() + interval '30 seconds'");
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
            account,
            100,
            "PROCESSING",
            1,
            1,
            "now() - interval '10 minutes'",
            "now() - interval '1 minute'");
    UUID overdue =
        db.insertTransaction(
            account,
            100,
            "PENDING",
            0,
            0,
            "now() - interval '10 minutes'",
            "now() + interval '1 minute'");
    UUID fine = db.insertPendingTransaction(account, 100);
    try {
      // Cached: the rows exist, but nothing is counted until the next recount.
      assertThat(gauge("onceflow.transactions", "state", "PROCESSING")).isEqualTo(processingBefore);

      gauges.refresh();

      assertThat(gauge("onceflow.transactions", "state", "PROCESSING"))
          .isEqualTo(processingBefore + 1);
      assertThat(gauge("onceflow.transactions.stuck", "reason", "lease-expired"))
          .isEqualTo(expiredBefore + 1);
      assertThat(gauge("onceflow.transactions.stuck", "reason", "overdue"))
          .isEqualTo(overdueBefore + 1);
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

package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.store.TransactionHistory;
import dev.onceflow.store.TransactionHistory.BankCall;
import dev.onceflow.store.TransactionHistory.StateChange;
import dev.onceflow.store.TransactionTransitions;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.ScriptedBank.Answer;
import dev.onceflow.worker.history.HistoryPurge;
import dev.onceflow.worker.settlement.SettlementProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A payment's durable history as the worker writes it, against a real PostgreSQL and a scripted
 * bank over HTTP: each state change with the worker instance and why, each bank call journaled
 * before the bank receives it and completed with what it got, and a call whose worker died visible
 * as unanswered until the payment is final.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaymentHistoryIT {

  private ScriptedBank bank;
  private ConfigurableApplicationContext worker;
  private SettlementProcessor processor;
  private TransactionHistory history;
  private TestDatabase db;

  @BeforeAll
  void start() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    bank = new ScriptedBank();
    worker =
        TestWorker.driven(
            bank.baseUrl(),
            "onceflow.bank.call-deadline=10s",
            // small batches, so that a purge takes several
            "onceflow.history.purge-batch-size=2");
    processor = worker.getBean(SettlementProcessor.class);
    history = worker.getBean(TransactionHistory.class);
    db = new TestDatabase(postgres, "payment_history_it");
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
  void aFinalPaymentsHistoryIsPurgedPastTheRetentionAndAnUnfinishedOneKeepsAllOfIt()
      throws Exception {
    UUID account = db.insertAccount(10_000, 3_000);
    UUID old = db.insertPendingTransaction(account, 1_000);
    UUID recent = db.insertPendingTransaction(account, 1_000);
    for (UUID tx : List.of(old, recent)) {
      bank.onPay(Answer.payment(201, "pay-" + tx, "SETTLED"));
      processor.process(tx);
    }
    UUID unfinished = db.insertPendingTransaction(account, 1_000);
    // 401 days pass for two of them (the retention is 400 days).
    for (UUID tx : List.of(old, unfinished)) {
      String id = "'" + tx + "'";
      db.execute(
          "UPDATE transactions SET updated_at = updated_at - interval '401 days' WHERE id = " + id);
      db.execute(
          "UPDATE transaction_history SET at = at - interval '401 days' WHERE transaction_id = "
              + id);
      db.execute(
          "UPDATE bank_calls SET started_at = started_at - interval '401 days' WHERE transaction_id = "
              + id);
      db.execute(
          "UPDATE transaction_events SET at = at - interval '401 days' WHERE transaction_id = "
              + id);
    }
    int oldRows =
        history.stateChanges(old).size()
            + history.bankCalls(old).size()
            + history.events(old).size();
    assertThat(history.events(old)).as("the completion event is on record").isNotEmpty();
    int recentRows =
        history.stateChanges(recent).size()
            + history.bankCalls(recent).size()
            + history.events(recent).size();
    int unfinishedStates = history.stateChanges(unfinished).size();

    assertThat(worker.getBean(HistoryPurge.class).purge()).isEqualTo(oldRows);

    assertThat(history.stateChanges(old)).isEmpty();
    assertThat(history.bankCalls(old)).isEmpty();
    assertThat(history.events(old)).isEmpty();
    assertThat(
            history.stateChanges(recent).size()
                + history.bankCalls(recent).size()
                + history.events(recent).size())
        .isEqualTo(recentRows);
    assertThat(history.stateChanges(unfinished)).hasSize(unfinishedStates).isNotEmpty();
  }

  @Test
  void eachStateChangeAndBankCallIsRecordedWithItsWorkerAndWhy() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.problem(503, "busy"));
    processor.process(tx);
    db.makeDue(tx);
    bank.onPay(Answer.payment(201, "pay-h", "SETTLED"));
    processor.process(tx);

    List<StateChange> states = history.stateChanges(tx);
    assertThat(states)
        .extracting(StateChange::fromState, StateChange::toState)
        .containsExactly(
            tuple(null, "PENDING"),
            tuple("PENDING", "PROCESSING"),
            tuple("PROCESSING", "PENDING"),
            tuple("PENDING", "PROCESSING"),
            tuple("PROCESSING", "COMPLETED"));
    assertThat(states.subList(1, states.size()))
        .allSatisfy(
            change -> {
              assertThat(change.component()).isEqualTo("onceflow_worker");
              assertThat(change.instance()).startsWith("bank-worker@").contains(":");
            });
    assertThat(states.get(1).reason()).isEqualTo("claimed for attempt 1");
    assertThat(states.get(2).reason()).startsWith("attempt 1 got no definitive answer");
    assertThat(states.get(4).reason()).isEqualTo("settled by the bank as pay-h");

    List<BankCall> calls = history.bankCalls(tx);
    String key = db.transaction(tx).externalKey();
    assertThat(calls).hasSize(2).allSatisfy(call -> assertThat(call.externalKey()).isEqualTo(key));
    BankCall refused = calls.get(0);
    assertThat(refused.kind()).isEqualTo("PAYMENT");
    assertThat(refused.attempt()).isEqualTo(1);
    assertThat(refused.outcome()).isEqualTo("unknown");
    assertThat(refused.httpStatus()).isEqualTo(503);
    assertThat(refused.error()).isEqualTo("server-error: HTTP 503");
    assertThat(refused.bankReference()).isNull();
    BankCall settled = calls.get(1);
    assertThat(settled.attempt()).isEqualTo(2);
    assertThat(settled.outcome()).isEqualTo("settled");
    assertThat(settled.httpStatus()).isEqualTo(201);
    assertThat(settled.bankReference()).isEqualTo("pay-h");
    assertThat(settled.instance()).startsWith("bank-worker@");
    assertThat(settled.latencyMs()).isNotNull().isNotNegative();
    assertThat(settled.endedAt()).isAfterOrEqualTo(settled.startedAt());
  }

  @Test
  void aCallIsOnRecordBeforeTheBankHasItAndUnansweredUntilItsAnswerIsRecorded() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    String key = db.transaction(tx).externalKey();
    bank.onPay(Answer.payment(201, "pay-slow", "SETTLED").after(Duration.ofSeconds(3)));

    CompletableFuture<Void> processing = CompletableFuture.runAsync(() -> processor.process(tx));
    await().atMost(Duration.ofSeconds(5)).until(() -> bank.paymentKeys().contains(key));

    // The bank holds the request and has not answered: the journal already shows the call.
    assertThat(unansweredCallsOf(tx))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.kind()).isEqualTo("PAYMENT");
              assertThat(call.attempt()).isEqualTo(1);
              assertThat(call.endedAt()).isNull();
            });

    processing.get();
    assertThat(unansweredCallsOf(tx)).isEmpty();
    assertThat(history.bankCalls(tx))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.outcome()).isEqualTo("settled");
              assertThat(call.latencyMs()).isGreaterThanOrEqualTo(3_000);
            });
  }

  @Test
  void aCallWhoseWorkerDiedStaysUnansweredUntilThePaymentIsFinal() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    TransactionTransitions transitions = worker.getBean(TransactionTransitions.class);
    Instant now = Instant.now();
    // A worker claims the row (journaling its call) and dies before recording any answer.
    assertThat(transitions.claim(tx, now, now.plusSeconds(1))).isPresent();
    assertThat(unansweredCallsOf(tx)).hasSize(1);

    // Its lease runs out; the row is handed on and another worker settles it with the same key.
    db.execute(
        "UPDATE transactions SET lease_until = now() - interval '1 second' WHERE id = '"
            + tx
            + "'");
    assertThat(transitions.releaseExpiredClaim(tx, Instant.now(), Instant.now().plusSeconds(30)))
        .isTrue();
    assertThat(unansweredCallsOf(tx)).as("PENDING again: its fate still hangs on it").hasSize(1);
    bank.onPay(Answer.payment(200, "pay-d", "SETTLED"));
    processor.process(tx);

    assertThat(db.state(tx)).isEqualTo("COMPLETED");
    assertThat(unansweredCallsOf(tx)).as("final: nothing depends on it any more").isEmpty();
    assertThat(history.bankCalls(tx))
        .extracting(BankCall::attempt, BankCall::outcome)
        .containsExactly(tuple(1, null), tuple(2, "settled"));
  }

  private List<BankCall> unansweredCallsOf(UUID tx) {
    return history.unanswered(1_000).stream()
        .filter(unanswered -> unanswered.transactionId().equals(tx))
        .map(TransactionHistory.UnansweredCall::call)
        .toList();
  }
}

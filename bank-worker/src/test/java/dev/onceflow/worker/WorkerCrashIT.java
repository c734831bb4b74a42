package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.EventType;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.TestDatabase.TransactionRow;
import dev.onceflow.worker.settlement.RequestConsumer;
import dev.onceflow.worker.settlement.SettlementProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A worker dies after the bank executed its call and before its final DB transaction commits: the
 * claim is committed, the bank holds the payment, the outcome is nowhere. Another worker's sweeper
 * must bring the transaction to the state the bank is in, without a second payment.
 *
 * <p>The death is made exact with a trigger that fails the dying worker's outcome UPDATE (so its
 * final DB transaction never commits, as under a kill -9 at that instant); then its context is
 * closed and never heard from again. The outbox relay is not running: the test plays it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerCrashIT {

  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private PostgresServer postgres;
  private ConfigurableApplicationContext bank;
  private String bankUrl;
  private ConfigurableApplicationContext survivor;
  private TestDatabase db;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void start() throws Exception {
    postgres = SharedTestInfrastructure.postgres();
    int bankPort = SharedTestInfrastructure.freePort();
    bank =
        BankSimulatorApplication.application()
            .run(
                "--server.port=" + bankPort,
                "--management.server.port=" + SharedTestInfrastructure.freePort());
    bankUrl = "http://localhost:" + bankPort;
    survivor = worker(true);
    db = new TestDatabase(postgres, "worker_crash_it");
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedTestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class));
    await().atMost(WAIT).until(() -> !assignedPartitions(survivor).isEmpty());
  }

  @AfterAll
  void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (survivor != null) {
      survivor.close();
    }
    if (bank != null) {
      bank.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @AfterEach
  void bankBehavesAgain() throws Exception {
    putFaults("{}");
  }

  /**
   * @param running whether it consumes requests and sweeps; the worker that dies only runs the one
   *     request the test hands it
   */
  private ConfigurableApplicationContext worker(boolean running) {
    return TestWorker.application(
            postgres.jdbcUrl(),
            SharedTestInfrastructure.kafka().bootstrapServers(),
            bankUrl,
            "spring.kafka.listener.auto-startup=" + running,
            "onceflow.sweeper.enabled=" + running,
            "onceflow.sweeper.interval=200ms",
            "onceflow.bank.connect-timeout=1s",
            "onceflow.bank.call-deadline=2s",
            "onceflow.worker.lease=" + LEASE.toSeconds() + "s")
        .run();
  }

  @Test
  void aWorkerKilledAfterTheBankSettledLeavesATransactionTheSweeperCompletesWithOnePayment()
      throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);

    dieBeforeTheOutcome(tx);

    TransactionRow orphaned = db.transaction(tx);
    assertThat(orphaned.state()).isEqualTo("PROCESSING");
    assertThat(ledgerFor(orphaned.externalKey()))
        .singleElement()
        .satisfies(payment -> assertThat(payment.get("status").asString()).isEqualTo("SETTLED"));

    TransactionRow completed = recover(tx, "COMPLETED");

    JsonNode payment = ledgerFor(completed.externalKey()).get(0);
    assertThat(ledgerFor(completed.externalKey())).hasSize(1);
    assertThat(payment.get("calls").asInt()).as("the recovery call is a replay").isEqualTo(2);
    assertThat(payment.get("endToEndReference").asString()).isEqualTo(tx.toString());
    assertThat(completed.bankReference()).isEqualTo(payment.get("paymentId").asString());
    assertThat(completed.attempts()).isEqualTo(2);
    assertThat(db.balance(account)).isEqualTo(9_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionRequested", "TransactionCompleted");
  }

  @Test
  void aWorkerKilledAfterTheBankDeclinedLeavesATransactionTheSweeperFailsWithoutAPayment()
      throws Exception {
    putFaults("{\"declineRate\": 1}");
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);

    dieBeforeTheOutcome(tx);
    TransactionRow failed = recover(tx, "FAILED");

    assertThat(failed.failureCode()).isEqualTo("DECLINED");
    assertThat(ledgerFor(failed.externalKey()))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("status").asString()).isEqualTo("DECLINED");
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
            });
    assertThat(db.balance(account)).isEqualTo(10_000);
    assertThat(db.reserved(account)).isZero();
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionRequested", "TransactionFailed");
  }

  /** A worker claims {@code tx} and calls the bank, then dies before its outcome commits. */
  private void dieBeforeTheOutcome(UUID tx) throws Exception {
    String trigger = "worker_dies_" + tx.toString().replace("-", "");
    db.execute(
        """
        CREATE OR REPLACE FUNCTION worker_dies() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the worker died before recording the outcome';
        END $$
        """);
    db.execute(
        """
        CREATE TRIGGER %s BEFORE UPDATE ON transactions FOR EACH ROW
        WHEN (OLD.id = '%s' AND OLD.state = 'PROCESSING')
        EXECUTE FUNCTION worker_dies()
        """
            .formatted(trigger, tx));
    ConfigurableApplicationContext doomed = worker(false);
    try {
      assertThatThrownBy(() -> doomed.getBean(SettlementProcessor.class).process(tx))
          .rootCause()
          .hasMessageContaining("the worker died before recording the outcome");
    } finally {
      doomed.close();
      db.execute("DROP TRIGGER " + trigger + " ON transactions");
    }
  }

  /**
   * Waits for the sweeper to re-enqueue {@code tx}, delivers the event, waits for {@code state}.
   */
  private TransactionRow recover(UUID tx, String state) throws Exception {
    // The lease runs out; the surviving worker's sweeper hands the row back and enqueues it.
    await().atMost(WAIT).until(() -> db.outboxEvents(tx).contains("TransactionRequested"));
    String event =
        json.writeValueAsString(
            TransactionEvent.of(EventType.TRANSACTION_REQUESTED, tx, Instant.now()));
    producer.send(new ProducerRecord<>(Topics.TRANSACTION_REQUESTED, tx.toString(), event)).get();
    await().atMost(WAIT).until(() -> state.equals(db.state(tx)));
    return db.transaction(tx);
  }

  private List<JsonNode> ledgerFor(String externalKey) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(bankUrl + "/payments")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    List<JsonNode> payments = new ArrayList<>();
    for (JsonNode payment : json.readTree(response.body())) {
      if (externalKey.equals(payment.get("idempotencyKey").asString())) {
        payments.add(payment);
      }
    }
    return payments;
  }

  private void putFaults(String faults) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(bankUrl + "/faults"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(faults))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  private static Collection<TopicPartition> assignedPartitions(
      ConfigurableApplicationContext worker) {
    return worker.getBean(RequestConsumer.class).assignedPartitions();
  }
}

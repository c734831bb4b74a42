package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.InProcessKafka;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.EventType;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.ScriptedBank.Answer;
import dev.onceflow.worker.settlement.RequestConsumer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * How many bank calls one worker keeps in flight is set by {@code onceflow.worker.max-in-flight},
 * not by partitions: with the request topic at a single partition (a broker of its own), one worker
 * holds exactly that many calls open at the bank, and a call that hangs until its deadline holds
 * back none of the records behind it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InFlightIT {

  private static final int MAX_IN_FLIGHT = 40;
  private static final int PAYMENTS = 3 * MAX_IN_FLIGHT;
  private static final Duration BANK_LATENCY = Duration.ofMillis(1_500);

  /** Past the time the other calls take (three rounds of 1.5 s), so the slow one outlives them. */
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(15);

  private final JsonMapper json = JsonMapper.builder().build();
  private InProcessKafka kafka;
  private ScriptedBank bank;
  private TestDatabase db;
  private ConfigurableApplicationContext worker;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void start() throws Exception {
    kafka =
        InProcessKafka.start(
            Files.createTempDirectory("onceflow-in-flight-kafka"),
            SharedTestInfrastructure.freePort(),
            SharedTestInfrastructure.freePort());
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(Topics.TRANSACTION_REQUESTED, 1, (short) 1)))
          .all()
          .get();
    }
    bank = new ScriptedBank();
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    worker =
        TestWorker.application(
                postgres.jdbcUrl(),
                kafka.bootstrapServers(),
                bank.baseUrl(),
                // Only this test's records, on this test's broker, are worked on.
                "onceflow.sweeper.enabled=false",
                "onceflow.bank.call-deadline=" + CALL_DEADLINE.toSeconds() + "s",
                "onceflow.worker.max-in-flight=" + MAX_IN_FLIGHT)
            .run();
    db = new TestDatabase(postgres, "in_flight_it");
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  @AfterAll
  void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (bank != null) {
      bank.close();
    }
    if (db != null) {
      db.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void oneWorkerOnOnePartitionKeepsMaxInFlightCallsOpenAndASlowCallHoldsBackNothing()
      throws Exception {
    UUID account = db.insertAccount(10_000_000, PAYMENTS * 100L);
    List<UUID> transactions = new ArrayList<>();
    for (int i = 0; i < PAYMENTS; i++) {
      transactions.add(db.insertPendingTransaction(account, 100));
    }
    // The first call to arrive trickles its answer until its deadline; all others take 1.5 s.
    bank.onPay(Answer.payment(201, "pay-slow", "SETTLED").trickled(Duration.ofMillis(500)));
    bank.onEveryPay(Answer.payment(201, "pay", "SETTLED").after(BANK_LATENCY));
    RequestConsumer consumer = worker.getBean(RequestConsumer.class);
    AtomicInteger mostInFlight = new AtomicInteger();
    Instant started = Instant.now();
    for (UUID tx : transactions) {
      TransactionEvent event =
          TransactionEvent.of(EventType.TRANSACTION_REQUESTED, tx, Instant.now());
      producer.send(
          new ProducerRecord<>(
              Topics.TRANSACTION_REQUESTED, tx.toString(), json.writeValueAsString(event)));
    }
    producer.flush();

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              mostInFlight.accumulateAndGet(consumer.inFlight(), Math::max);
              return db.countCompleted(transactions) == PAYMENTS - 1;
            });
    Duration took = Duration.between(started, Instant.now());
    UUID slow = null;
    for (UUID tx : transactions) {
      if (!"COMPLETED".equals(db.state(tx))) {
        slow = tx;
      }
    }

    assertThat(bank.mostOpenPayments())
        .as("calls open at the bank at once")
        .isEqualTo(MAX_IN_FLIGHT);
    assertThat(mostInFlight.get())
        .as("requests in progress at the worker at once")
        .isEqualTo(MAX_IN_FLIGHT);
    // Three rounds of 1.5 s at 40 calls a round, not 120 calls one after another (180 s).
    assertThat(took).isLessThan(Duration.ofSeconds(30));
    // The slow call was still open while the others completed; at its deadline it is aborted and
    // its transaction waits for a retry.
    assertThat(db.state(slow)).isEqualTo("PROCESSING");
    UUID aborted = slow;
    await().atMost(CALL_DEADLINE.plusSeconds(5)).until(() -> "PENDING".equals(db.state(aborted)));
  }
}

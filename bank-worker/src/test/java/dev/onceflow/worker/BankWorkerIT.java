package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.EventType;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.TestDatabase.TransactionRow;
import dev.onceflow.worker.recovery.RecoverySweeper;
import dev.onceflow.worker.settlement.RequestConsumer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker against a real PostgreSQL, a real Kafka broker and the bank simulator. The outbox
 * relay is not running: the test produces TransactionRequested records itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankWorkerIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ConfigurableApplicationContext> workers = new ArrayList<>();
  private final Map<ConfigurableApplicationContext, Integer> managementPorts = new HashMap<>();

  private PostgresServer postgres;
  private String bootstrapServers;
  private ConfigurableApplicationContext bank;
  private String bankUrl;
  private TestDatabase db;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void startEverything() throws Exception {
    postgres = SharedTestInfrastructure.postgres();
    bootstrapServers = SharedTestInfrastructure.kafka().bootstrapServers();

    int bankPort = SharedTestInfrastructure.freePort();
    bank =
        BankSimulatorApplication.application()
            // As arguments: bank-simulator.properties sets server.port, and a config file beats
            // the builder's default properties.
            .run(
                "--server.port=" + bankPort,
                "--management.server.port=" + SharedTestInfrastructure.freePort());
    bankUrl = "http://localhost:" + bankPort;

    workers.add(startWorker());
    db = new TestDatabase(postgres, "bank_worker_it");
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class));
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (producer != null) {
      producer.close();
    }
    workers.forEach(ConfigurableApplicationContext::close);
    if (bank != null) {
      bank.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private ConfigurableApplicationContext startWorker() {
    int managementPort = SharedTestInfrastructure.freePort();
    // Through the builder's properties, as the local stack starts it.
    ConfigurableApplicationContext worker =
        TestWorker.application(
                postgres.jdbcUrl(),
                bootstrapServers,
                bankUrl,
                "management.server.port=" + managementPort,
                "onceflow.sweeper.interval=200ms")
            .run();
    managementPorts.put(worker, managementPort);
    return worker;
  }

  @Test
  @Order(1)
  void paysOnceCompletesTheTransactionAndIgnoresARedelivery() throws Exception {
    UUID account = db.insertAccount(10_000, 1_250);
    UUID tx = db.insertPendingTransaction(account, 1_250);

    produceRequested(tx);

    await().atMost(WAIT).until(() -> "COMPLETED".equals(db.state(tx)));
    TransactionRow completed = db.transaction(tx);
    assertThat(completed.bankReference()).isNotBlank();
    assertThat(completed.attempts()).isEqualTo(1);
    assertThat(db.balance(account)).isEqualTo(8_750);
    assertThat(db.reserved(account)).isZero();
    List<JsonNode> payments = ledgerFor(completed.externalKey());
    assertThat(payments).hasSize(1);
    assertThat(payments.get(0).get("calls").asInt()).isEqualTo(1);
    assertThat(payments.get(0).get("paymentId").asString()).isEqualTo(completed.bankReference());
    assertThat(payments.get(0).get("endToEndReference").asString()).isEqualTo(tx.toString());
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionCompleted");

    double skippedBefore = skips("final");
    produceRequested(tx);

    await().atMost(WAIT).until(() -> skips("final") > skippedBefore);
    assertThat(ledgerFor(completed.externalKey()))
        .singleElement()
        .satisfies(payment -> assertThat(payment.get("calls").asInt()).isEqualTo(1));
    assertThat(db.transaction(tx)).isEqualTo(completed);
    assertThat(db.balance(account)).isEqualTo(8_750);
    assertThat(db.outboxEvents(tx)).containsExactly("TransactionCompleted");
    assertThat(prometheus(workers.get(0)))
        .contains("onceflow_bank_calls_seconds_count{operation=\"pay\",outcome=\"settled\"")
        .contains("onceflow_worker_outcomes_total{outcome=\"completed\"")
        .contains("onceflow_worker_skips_total{reason=\"final\"");
  }

  @Test
  @Order(2)
  void parksUnreadableRecordsOnTheDeadLetterTopicAndMovesOn() throws Exception {
    String garbageKey = "garbage-" + UUID.randomUUID();
    String wrongTypeKey = UUID.randomUUID().toString();
    String wrongType =
        json.writeValueAsString(
            TransactionEvent.of(
                EventType.TRANSACTION_COMPLETED, UUID.fromString(wrongTypeKey), Instant.now()));
    producer
        .send(new ProducerRecord<>(Topics.TRANSACTION_REQUESTED, garbageKey, "{not json"))
        .get();
    producer
        .send(new ProducerRecord<>(Topics.TRANSACTION_REQUESTED, wrongTypeKey, wrongType))
        .get();
    UUID account = db.insertAccount(1_000, 100);
    UUID after = db.insertPendingTransaction(account, 100);
    produceRequested(after);

    Map<String, ConsumerRecord<String, String>> parked = readDeadLetters(garbageKey, wrongTypeKey);

    assertThat(parked.get(garbageKey).value()).isEqualTo("{not json");
    assertThat(header(parked.get(garbageKey), "onceflow-dlt-reason")).isEqualTo("unparseable");
    assertThat(header(parked.get(garbageKey), "kafka_dlt-original-topic"))
        .isEqualTo(Topics.TRANSACTION_REQUESTED);
    assertThat(parked.get(wrongTypeKey).value()).isEqualTo(wrongType);
    assertThat(header(parked.get(wrongTypeKey), "onceflow-dlt-reason"))
        .isEqualTo("unexpected-type");
    await().atMost(WAIT).until(() -> "COMPLETED".equals(db.state(after)));
  }

  @Test
  @Order(3)
  void sweeperHandsAnExpiredClaimBackAndReEnqueuesOverdueRows() throws Exception {
    UUID account = db.insertAccount(10_000, 700);
    // A worker claimed this one (attempt 1) and died mid-call: its lease ran out a second ago.
    UUID abandoned =
        db.insertTransaction(
            account,
            500,
            "PROCESSING",
            1,
            3,
            "now() - interval '1 minute'",
            "now() - interval '1 second'");
    // Its TransactionRequested event never arrived.
    UUID overdue =
        db.insertTransaction(
            account,
            200,
            "PENDING",
            0,
            0,
            "now() - interval '1 minute'",
            "now() - interval '1 second'");

    await()
        .atMost(WAIT)
        .until(
            () ->
                db.transaction(abandoned).version() == 4 && db.transaction(overdue).version() == 1);
    TransactionRow released = db.transaction(abandoned);
    assertThat(released.state()).isEqualTo("PENDING");
    assertThat(released.attempts()).isEqualTo(1);
    assertThat(released.nextAttemptAt()).isBefore(Instant.now());
    assertThat(released.leaseUntil()).isAfter(Instant.now().plusSeconds(20));
    TransactionRow redriven = db.transaction(overdue);
    assertThat(redriven.state()).isEqualTo("PENDING");
    assertThat(redriven.leaseUntil()).isAfter(Instant.now().plusSeconds(20));
    assertThat(db.outboxEvents(abandoned)).containsExactly("TransactionRequested");
    assertThat(db.outboxEvents(overdue)).containsExactly("TransactionRequested");
    assertThat(
            workers
                .get(0)
                .getBean(MeterRegistry.class)
                .get("onceflow.sweeper.reenqueued")
                .tag("from", "processing")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1);
    // Nothing is stale any more: another sweep, from any instance, changes nothing.
    assertThat(workers.get(0).getBean(RecoverySweeper.class).sweep()).isZero();
    assertThat(db.transaction(abandoned).version()).isEqualTo(4);

    // Play the relay: deliver the re-enqueued event, and the abandoned payment completes.
    produceRequested(abandoned);

    await().atMost(WAIT).until(() -> "COMPLETED".equals(db.state(abandoned)));
    assertThat(db.transaction(abandoned).attempts()).isEqualTo(2);
    assertThat(ledgerFor(db.transaction(abandoned).externalKey()))
        .singleElement()
        .satisfies(payment -> assertThat(payment.get("calls").asInt()).isEqualTo(1));
    assertThat(db.reserved(account)).isEqualTo(200);
    assertThat(db.balance(account)).isEqualTo(9_500);
  }

  @Test
  @Order(4)
  void competingWorkersCompleteEveryTransactionExactlyOnce() throws Exception {
    workers.add(startWorker());
    await()
        .atMost(WAIT)
        .until(() -> workers.stream().allMatch(worker -> !assignedPartitions(worker).isEmpty()));
    int count = 50;
    long amount = 100;
    UUID account = db.insertAccount(1_000_000, count * amount);
    List<UUID> transactions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      transactions.add(db.insertPendingTransaction(account, amount));
    }

    // Every request three times (a relay replay, a sweeper re-enqueue), the copies under other
    // keys so that they land on other partitions and consumers race each other for the claim.
    for (int copy = 0; copy < 3; copy++) {
      for (UUID tx : transactions) {
        produceRequested(tx, copy == 0 ? tx.toString() : UUID.randomUUID().toString());
      }
    }

    await().atMost(WAIT).until(() -> db.countCompleted(transactions) == count);
    Map<String, List<JsonNode>> ledger = ledgerByEndToEndReference();
    for (UUID tx : transactions) {
      TransactionRow row = db.transaction(tx);
      assertThat(row.attempts()).as("claims of %s", tx).isEqualTo(1);
      assertThat(row.version()).as("version of %s", tx).isEqualTo(2);
      assertThat(ledger.get(tx.toString()))
          .as("bank payments for %s", tx)
          .singleElement()
          .satisfies(
              payment -> {
                assertThat(payment.get("idempotencyKey").asString()).isEqualTo(row.externalKey());
                assertThat(payment.get("paymentId").asString()).isEqualTo(row.bankReference());
                assertThat(payment.get("calls").asInt()).isEqualTo(1);
              });
      assertThat(db.outboxEvents(tx))
          .as("outbox events of %s", tx)
          .containsExactly("TransactionCompleted");
    }
    assertThat(db.balance(account)).isEqualTo(1_000_000 - count * amount);
    assertThat(db.reserved(account)).isZero();
    assertThat(workers).allSatisfy(worker -> assertThat(completions(worker)).isPositive());
  }

  // --- helpers --------------------------------------------------------------------------------

  private void produceRequested(UUID tx) throws Exception {
    produceRequested(tx, tx.toString());
  }

  private void produceRequested(UUID tx, String key) throws Exception {
    String event =
        json.writeValueAsString(
            TransactionEvent.of(EventType.TRANSACTION_REQUESTED, tx, Instant.now()));
    producer.send(new ProducerRecord<>(Topics.TRANSACTION_REQUESTED, key, event)).get();
  }

  private List<JsonNode> ledger() throws Exception {
    HttpResponse<String> response = get(bankUrl + "/payments");
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> payments = new ArrayList<>();
    json.readTree(response.body()).forEach(payments::add);
    return payments;
  }

  private List<JsonNode> ledgerFor(String externalKey) throws Exception {
    return ledger().stream()
        .filter(payment -> externalKey.equals(payment.get("idempotencyKey").asString()))
        .toList();
  }

  private Map<String, List<JsonNode>> ledgerByEndToEndReference() throws Exception {
    Map<String, List<JsonNode>> byReference = new HashMap<>();
    for (JsonNode payment : ledger()) {
      byReference
          .computeIfAbsent(payment.get("endToEndReference").asString(), key -> new ArrayList<>())
          .add(payment);
    }
    return byReference;
  }

  private String prometheus(ConfigurableApplicationContext worker) throws Exception {
    HttpResponse<String> response =
        get("http://localhost:" + managementPorts.get(worker) + "/actuator/prometheus");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Requests skipped for {@code reason}, summed over the running workers. */
  private double skips(String reason) {
    return workers.stream()
        .map(worker -> worker.getBean(MeterRegistry.class))
        .map(registry -> registry.find("onceflow.worker.skips").tag("reason", reason).counter())
        .filter(Objects::nonNull)
        .mapToDouble(Counter::count)
        .sum();
  }

  private static double completions(ConfigurableApplicationContext worker) {
    Counter completed =
        worker
            .getBean(MeterRegistry.class)
            .find("onceflow.worker.outcomes")
            .tag("outcome", "completed")
            .counter();
    return completed == null ? 0 : completed.count();
  }

  private static Collection<TopicPartition> assignedPartitions(
      ConfigurableApplicationContext worker) {
    return worker.getBean(RequestConsumer.class).assignedPartitions();
  }

  private Map<String, ConsumerRecord<String, String>> readDeadLetters(String... keys) {
    Map<String, ConsumerRecord<String, String>> found = new HashMap<>();
    try (var consumer =
        new KafkaConsumer<String, String>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "dlt-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
      consumer.subscribe(List.of(Topics.TRANSACTION_REQUESTED_DEAD_LETTER));
      await()
          .atMost(WAIT)
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(500))
                    .forEach(record -> found.put(record.key(), record));
                return found.keySet().containsAll(List.of(keys));
              });
    }
    return found;
  }

  private static String header(ConsumerRecord<String, String> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}

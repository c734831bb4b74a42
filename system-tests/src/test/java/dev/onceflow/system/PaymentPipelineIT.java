package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.local.LocalStack;
import dev.onceflow.local.LocalStackOptions;
import dev.onceflow.model.LogContext;
import dev.onceflow.model.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The whole path on the embedded stack: HTTP intake, PostgreSQL, Debezium, Kafka, the worker and
 * the bank simulator, each real.
 */
class PaymentPipelineIT {

  private static LocalStack stack;
  private static OnceflowApi api;

  @BeforeAll
  static void startStack() throws Exception {
    LocalStackOptions options =
        LocalStackOptions.parse(
            StackPorts.free()
                .with(
                    "--data-dir=" + Files.createTempDirectory("onceflow-pipeline"),
                    "--currencies=EUR",
                    OnceflowApi.UNLIMITED_RATE,
                    OnceflowApi.UNLIMITED_BURST));
    stack = LocalStack.start(options);
    api = new OnceflowApi(stack);
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  @Test
  void completesAPaymentAndPaysTheBankExactlyOnce() throws Exception {
    UUID account = api.openAccount("EUR", 100_000);
    String key = "pipeline-" + UUID.randomUUID();

    HttpResponse<String> accepted = api.submit(key, OnceflowApi.payment(account, 1250, "EUR"));
    assertThat(accepted.statusCode()).isEqualTo(202);
    String id = api.json(accepted).get("id").asString();
    assertThat(accepted.headers().firstValue("Location")).contains("/transactions/" + id);

    awaitState(id, "COMPLETED");
    HttpResponse<String> again = api.submit(key, OnceflowApi.payment(account, 1250, "EUR"));

    assertThat(api.json(again).get("id").asString()).isEqualTo(id);
    assertThat(again.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(api.transaction(id).get("bankReference").isNull()).isFalse();
    List<JsonNode> payments = api.bankPaymentsFor(id);
    assertThat(payments).hasSize(1);
    assertThat(payments.get(0).get("calls").asInt()).isEqualTo(1);
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(100_000 - 1250);
    assertThat(balances.get("reserved").asLong()).isZero();
  }

  @Test
  void publishesTheRequestAndTheCompletionOnKafkaKeyedByTransaction() throws Exception {
    UUID account = api.openAccount("EUR", 10_000);
    String id =
        api.json(api.submit("kafka-" + UUID.randomUUID(), OnceflowApi.payment(account, 99, "EUR")))
            .get("id")
            .asString();
    awaitState(id, "COMPLETED");

    Map<String, List<String>> seen = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = consumer()) {
      consumer.subscribe(List.of(Topics.TRANSACTION_REQUESTED, Topics.TRANSACTION_EVENTS));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  if (id.equals(record.key())) {
                    seen.computeIfAbsent(record.topic(), t -> new ArrayList<>())
                        .add(record.value());
                  }
                }
                return seen.containsKey(Topics.TRANSACTION_REQUESTED)
                    && seen.containsKey(Topics.TRANSACTION_EVENTS);
              });
    }
    assertThat(seen.get(Topics.TRANSACTION_REQUESTED).get(0)).contains("TransactionRequested", id);
    assertThat(seen.get(Topics.TRANSACTION_EVENTS).get(0)).contains("TransactionCompleted", id);
  }

  @Test
  void concurrentPaymentsAndRetriesEachCompleteOnceAndBalance() throws Exception {
    long opening = 1_000_000;
    UUID account = api.openAccount("EUR", opening);
    var pool = Executors.newFixedThreadPool(8);
    List<Callable<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String key = "bulk-" + i + "-" + account;
      String body = OnceflowApi.payment(account, 100 + i, "EUR");
      requests.add(() -> api.submit(key, body));
      if (i % 4 == 0) {
        requests.add(() -> api.submit(key, body)); // a client retry racing the first attempt
      }
    }
    List<String> ids = new ArrayList<>();
    try {
      for (Future<HttpResponse<String>> response : pool.invokeAll(requests)) {
        assertThat(response.get().statusCode()).isEqualTo(202);
        ids.add(api.json(response.get()).get("id").asString());
      }
    } finally {
      pool.shutdown();
    }
    List<String> distinct = ids.stream().distinct().toList();
    assertThat(distinct).hasSize(40);

    long completed = 0;
    for (String id : distinct) {
      JsonNode tx = awaitState(id, "COMPLETED");
      completed += tx.get("amount").asLong();
      assertThat(api.bankPaymentsFor(id)).hasSize(1);
    }
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(opening - completed);
    assertThat(balances.get("reserved").asLong()).isZero();
  }

  @Test
  void cancelsRacingTheWorkersEndEachPaymentCancelledAndUnpaidOrPaidOnce() throws Exception {
    long opening = 1_000_000;
    UUID account = api.openAccount("EUR", opening);
    var clients = Executors.newFixedThreadPool(8);
    Map<String, Integer> cancelAnswers = new HashMap<>();
    try {
      List<Callable<Map.Entry<String, Integer>>> races = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String body = OnceflowApi.payment(account, 10 + i, "EUR");
        String key = "cancel-race-" + i + "-" + account;
        // The cancel follows the 202 after 0-150 ms: before the worker's claim, or just after it.
        long delayMillis = ThreadLocalRandom.current().nextLong(150);
        races.add(
            () -> {
              String id = api.json(api.submit(key, body)).get("id").asString();
              long cancelAt = System.nanoTime() + delayMillis * 1_000_000;
              await()
                  .pollDelay(Duration.ZERO)
                  .pollInterval(Duration.ofMillis(5))
                  .until(() -> System.nanoTime() >= cancelAt);
              return Map.entry(id, api.cancel(id).statusCode());
            });
      }
      for (Future<Map.Entry<String, Integer>> race : clients.invokeAll(races)) {
        cancelAnswers.put(race.get().getKey(), race.get().getValue());
      }
    } finally {
      clients.shutdown();
    }

    long paid = 0;
    int cancelled = 0;
    for (Map.Entry<String, Integer> race : cancelAnswers.entrySet()) {
      JsonNode tx =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> api.transactionUnchecked(race.getKey()),
                  t -> Set.of("COMPLETED", "CANCELLED").contains(t.get("state").asString()));
      List<JsonNode> atTheBank = api.bankPaymentsFor(race.getKey());
      if (tx.get("state").asString().equals("CANCELLED")) {
        cancelled++;
        assertThat(race.getValue()).as("cancel of %s", race.getKey()).isEqualTo(200);
        assertThat(atTheBank).as("bank payments of cancelled %s", race.getKey()).isEmpty();
      } else {
        paid += tx.get("amount").asLong();
        assertThat(race.getValue()).as("cancel of %s", race.getKey()).isEqualTo(409);
        assertThat(atTheBank).as("bank payments of %s", race.getKey()).hasSize(1);
      }
    }
    assertThat(cancelAnswers).hasSize(200);
    assertThat(cancelled).as("cancels that won").isBetween(1, 199);
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(opening - paid);
    assertThat(balances.get("reserved").asLong()).isZero();
  }

  @Test
  void carriesTheClientsTraceThroughOutboxAndKafkaToTheBankCallAndTheWorkerLogs() throws Exception {
    String traceId = randomHex(32);
    String clientSpanId = randomHex(16);
    CapturingAppender workerLog = new CapturingAppender();
    Logger worker = (Logger) LoggerFactory.getLogger("dev.onceflow.worker");
    workerLog.start();
    worker.addAppender(workerLog);
    try {
      UUID account = api.openAccount("EUR", 10_000);
      String key = "traced-" + UUID.randomUUID();

      HttpResponse<String> accepted =
          api.submit(
              key,
              OnceflowApi.payment(account, 42, "EUR"),
              "00-" + traceId + "-" + clientSpanId + "-01");
      assertThat(accepted.statusCode()).isEqualTo(202);
      String id = api.json(accepted).get("id").asString();
      awaitState(id, "COMPLETED");
      // The client sees the trace it started, and its key, on the transaction.
      JsonNode transaction = api.transaction(id);
      assertThat(transaction.get("traceId").asString()).isEqualTo(traceId);
      assertThat(transaction.get("idempotencyKey").asString()).isEqualTo(key);

      List<JsonNode> payments = api.bankPaymentsFor(id);
      assertThat(payments).hasSize(1);
      // Same trace, the worker's own span: W3C version 00, sampled as the client asked.
      assertThat(payments.get(0).get("traceparent").asString())
          .matches("00-" + traceId + "-[0-9a-f]{16}-01");
      String externalKey = payments.get(0).get("idempotencyKey").asString();

      // The outcome is logged right after its DB commit, which the poll above may have seen first.
      List<ILoggingEvent> lines =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> workerLog.linesAbout(id),
                  about ->
                      about.stream()
                          .anyMatch(line -> line.getFormattedMessage().contains("completed")));
      assertThat(lines)
          .allSatisfy(
              line ->
                  assertThat(line.getMDCPropertyMap())
                      .containsEntry("traceId", traceId)
                      .containsEntry(LogContext.IDEMPOTENCY_KEY, key)
                      .containsEntry(LogContext.EXTERNAL_KEY, externalKey));
    } finally {
      worker.detachAppender(workerLog);
    }
  }

  @Test
  void eachServiceConnectsWithItsOwnRoleThatCanNeitherRewriteAnAuditNorReachAnotherServicesTables()
      throws Exception {
    HttpResponse<String> accepted =
        api.submit(
            "roles-" + UUID.randomUUID(),
            OnceflowApi.payment(api.openAccount("EUR", 5_000), 10, "EUR"));
    awaitState(api.json(accepted).get("id").asString(), "COMPLETED");
    try (Connection owner =
            DriverManager.getConnection(stack.jdbcUrl(), EmbeddedPostgresServer.USER, "");
        ResultSet sessions =
            owner
                .createStatement()
                .executeQuery(
                    "SELECT DISTINCT usename || ' ' || backend_type FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
      Set<String> connected = new TreeSet<>();
      while (sessions.next()) {
        connected.add(sessions.getString(1));
      }
      assertThat(connected)
          .containsExactlyInAnyOrder(
              "onceflow_intake client backend",
              "onceflow_worker client backend",
              "onceflow_relay client backend",
              "onceflow_relay walsender",
              "onceflow_webhooks client backend",
              // the console, with the ops commands' role
              "onceflow_ops client backend");
    }

    // Each role's own refusals, then what every service role is refused.
    String readOutbox = "SELECT payload FROM outbox WHERE false";
    Map<String, List<String>> refused = new TreeMap<>();
    refused.put(
        "onceflow_intake", List.of("UPDATE admin_audit SET actor = 'someone else'", readOutbox));
    refused.put("onceflow_worker", List.of("SELECT key_hash FROM api_keys", readOutbox));
    refused.put(
        "onceflow_relay",
        List.of(
            "SELECT amount FROM transactions",
            "INSERT INTO outbox (id) VALUES (gen_random_uuid())"));
    refused.put(
        "onceflow_webhooks",
        List.of(
            "UPDATE transactions SET state = 'COMPLETED' WHERE false",
            "SELECT key_hash FROM api_keys",
            readOutbox));
    refused.put(
        "onceflow_ops",
        List.of("INSERT INTO admin_audit (id) VALUES (gen_random_uuid())", readOutbox));
    refused.forEach(
        (role, statements) -> {
          try (Connection connection = DriverManager.getConnection(stack.jdbcUrl(), role, "")) {
            List<String> all = new ArrayList<>(statements);
            all.addAll(
                List.of(
                    "DELETE FROM ops_audit",
                    "TRUNCATE accounts",
                    "CREATE TABLE taken_over (id int)"));
            for (String statement : all) {
              assertThat(sqlState(connection, statement))
                  .as(role + ": " + statement)
                  .isEqualTo("42501");
            }
          } catch (SQLException e) {
            throw new AssertionError(role + " cannot connect", e);
          }
        });
  }

  /** The SQLSTATE {@code statement} fails with (42501: insufficient privilege), or null. */
  private static String sqlState(Connection connection, String statement) {
    try {
      connection.createStatement().execute(statement);
      return null;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  @Test
  void refusesBadInputClearlyAndStoresNothing() throws Exception {
    UUID account = api.openAccount("EUR", 5_000);
    String key = "bad-" + UUID.randomUUID();

    HttpResponse<String> noKey = api.submit(null, OnceflowApi.payment(account, 10, "EUR"));
    HttpResponse<String> malformed = api.submit(key, "{\"accountId\": ");
    HttpResponse<String> unknownAccount =
        api.submit(key, OnceflowApi.payment(UUID.randomUUID(), 10, "EUR"));

    for (HttpResponse<String> response : List.of(noKey, malformed, unknownAccount)) {
      assertThat(response.statusCode()).isBetween(400, 499);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      assertThat(api.json(response).get("detail").asString()).isNotBlank();
    }
    assertThat(api.json(api.get("/transactions?idempotencyKey=" + key)).get("data")).isEmpty();
    assertThat(api.account(account).get("reserved").asLong()).isZero();
  }

  @Test
  void replayingTheRequestTopicFromTheStartPaysNobodyAgainAndChangesNoRow() throws Exception {
    UUID account = api.openAccount("EUR", 50_000);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(
          api.json(
                  api.submit(
                      "replay-" + i + "-" + account, OnceflowApi.payment(account, 10 + i, "EUR")))
              .get("id")
              .asString());
    }
    Map<String, String> updatedAt = new HashMap<>();
    for (String id : ids) {
      updatedAt.put(id, awaitState(id, "COMPLETED").get("updatedAt").asString());
    }
    String ledgerBefore = api.ledger().toString();
    var out = new java.io.ByteArrayOutputStream();

    int exit =
        dev.onceflow.ops.OpsCommand.run(
            new String[] {
              "replay-requests",
              "--from-offset=0",
              "--jdbc-url=" + stack.jdbcUrl(),
              "--kafka=" + stack.bootstrapServers(),
              "--actor=system-test"
            },
            new java.io.PrintStream(out, true),
            System.err);

    String report = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(exit).as(report).isZero();
    java.util.regex.Matcher reread =
        java.util.regex.Pattern.compile("Re-read (\\d+) records").matcher(report);
    assertThat(reread.find()).as(report).isTrue();
    assertThat(Integer.parseInt(reread.group(1))).isGreaterThanOrEqualTo(ids.size());
    assertThat(report).contains("The workers consumed them: 0 of");
    assertThat(api.ledger().toString()).isEqualTo(ledgerBefore);
    // The audit has a row from before anything was published, and one from the end, of one replay.
    java.util.regex.Matcher replayId =
        java.util.regex.Pattern.compile("\\(replay ([0-9a-f-]{36})\\)").matcher(report);
    assertThat(replayId.find()).as(report).isTrue();
    try (java.sql.Connection db =
        java.sql.DriverManager.getConnection(stack.jdbcUrl(), "postgres", "")) {
      java.sql.ResultSet rows =
          db.createStatement()
              .executeQuery(
                  "SELECT actor, outcome FROM ops_audit WHERE outcome LIKE '%"
                      + replayId.group(1)
                      + "%' ORDER BY at, outcome DESC");
      List<String> audited = new ArrayList<>();
      while (rows.next()) {
        audited.add(rows.getString(1) + " " + rows.getString(2).split(":")[0]);
      }
      assertThat(audited)
          .containsExactly(
              "system-test started replay " + replayId.group(1),
              "system-test finished replay " + replayId.group(1));
    }
    for (String id : ids) {
      assertThat(api.transaction(id).get("updatedAt").asString()).isEqualTo(updatedAt.get(id));
    }
  }

  private static String randomHex(int digits) {
    StringBuilder hex = new StringBuilder(digits);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (hex.length() < digits) {
      hex.append(Character.forDigit(random.nextInt(16), 16));
    }
    return hex.toString();
  }

  /**
   * Keeps log lines with the logging context of the thread that wrote them: Logback reads an
   * event's MDC lazily, which from the test thread would be the test thread's.
   */
  private static final class CapturingAppender extends ListAppender<ILoggingEvent> {

    @Override
    protected void append(ILoggingEvent event) {
      event.prepareForDeferredProcessing();
      super.append(event);
    }

    /** Lines logged under the transaction's id; doAppend holds this lock while it adds. */
    synchronized List<ILoggingEvent> linesAbout(String transactionId) {
      return list.stream()
          .filter(
              line -> transactionId.equals(line.getMDCPropertyMap().get(LogContext.TRANSACTION_ID)))
          .toList();
    }
  }

  @Test
  void exportsEveryMetricTheGrafanaDashboardQueries() throws Exception {
    Map<String, String> services =
        Map.of(
            "intake-api", stack.intakeManagementUrl(),
            "outbox-relay", stack.relayManagementUrl(),
            "bank-worker", stack.workerManagementUrl(),
            "bank-simulator", stack.bankUrl());
    HttpClient http = HttpClient.newHttpClient();
    // Some meters appear on first use only: a payment through a failing bank registers the retry
    // counter, and its completion once the bank heals the bank-call and outcome meters.
    UUID account = api.openAccount("EUR", 10_000);
    String id;
    putFaults(http, "{\"errorRate\": 1}");
    try {
      id =
          api.json(
                  api.submit(
                      "dashboard-" + UUID.randomUUID(), OnceflowApi.payment(account, 42, "EUR")))
              .get("id")
              .asString();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  GrafanaDashboard.exported(http, stack.workerManagementUrl())
                      .contains("onceflow_worker_retries_total"));
    } finally {
      putFaults(http, "{}");
    }
    awaitState(id, "COMPLETED");

    Map<String, Set<String>> exported = new TreeMap<>();
    for (Map.Entry<String, String> service : services.entrySet()) {
      exported.put(service.getKey(), GrafanaDashboard.exported(http, service.getValue()));
    }
    Set<String> exportedByAny = new TreeSet<>();
    exported.values().forEach(exportedByAny::addAll);
    List<String> missing = new ArrayList<>();
    GrafanaDashboard.metrics()
        .forEach(
            (metric, jobs) -> {
              if (jobs.isEmpty() && !exportedByAny.contains(metric)) {
                missing.add(metric);
              }
              jobs.stream()
                  .filter(job -> !exported.getOrDefault(job, Set.of()).contains(metric))
                  .forEach(job -> missing.add(metric + " (job " + job + ")"));
            });

    assertThat(GrafanaDashboard.metrics()).isNotEmpty();
    assertThat(missing)
        .as(
            "queried by %s but not exported; exported with the same prefix: %s",
            GrafanaDashboard.FILE,
            exportedByAny.stream()
                .filter(
                    name ->
                        missing.stream()
                            .anyMatch(
                                m -> name.startsWith(m.replaceAll("^([a-z]+_[a-z]+).*", "$1"))))
                .toList())
        .isEmpty();
  }

  private static void putFaults(HttpClient http, String faults) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.bankUrl() + "/faults"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(faults))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static JsonNode awaitState(String id, String state) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> api.transactionUnchecked(id), tx -> state.equals(tx.get("state").asString()));
  }

  private static KafkaConsumer<String, String> consumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "system-test-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class));
  }
}

package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.local.LocalStack;
import dev.onceflow.local.LocalStackOptions;
import dev.onceflow.model.Topics;
import java.io.IOException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Thousands of payments through the whole pipeline while the bank fails in every way it can: 500s,
 * payments executed but answered with a 500 or a dropped connection, requests held past the
 * worker's timeout (executed before, after or never), declines, and random latency. Then the bank
 * heals, and every invariant must hold, checked from outside: the intake API, the bank's ledger,
 * Kafka, the worker's metrics (and SQL only to wait for the end without polling 2,000 URLs).
 */
class BankFaultsIT {

  private static final int PAYMENTS = 2_000;
  private static final int ACCOUNTS = 4;
  private static final long OPENING = 100_000_000;
  private static final int CLIENTS = 8;

  // The worker's call deadline is lowered to keep the run short, and the bank's timeout fault holds
  // a request just past it. Reconciliation waits longer than that hold before it trusts a "no
  // payment", since a held request may still execute.
  private static final Duration CALL_DEADLINE = Duration.ofMillis(1_000);
  private static final long TIMEOUT_HOLD_MS = 1_300;
  private static final String FAULTS =
      """
      {"errorRate": 0.10, "commitThenFailRate": 0.05, "timeoutRate": 0.05, "declineRate": 0.05,
       "throttleRate": 0.01, "retryAfterSeconds": 1, "latencyMs": {"min": 0, "max": 30},
       "timeoutHoldMs": %d}
      """
          .formatted(TIMEOUT_HOLD_MS);

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static LocalStack stack;
  private static OnceflowApi api;
  private static final StackPorts ports = StackPorts.free();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startStack() throws Exception {
    LocalStackOptions options =
        LocalStackOptions.parse(
            ports.with(
                "--data-dir=" + Files.createTempDirectory("onceflow-bank-faults"),
                "--currencies=EUR",
                OnceflowApi.UNLIMITED_RATE,
                OnceflowApi.UNLIMITED_BURST,
                "--onceflow.bank.call-deadline=" + CALL_DEADLINE.toMillis() + "ms",
                "--onceflow.bank.connect-timeout=1s",
                // Must exceed the call deadline.
                "--onceflow.worker.lease=5s",
                "--onceflow.worker.retry.base=50ms",
                "--onceflow.worker.retry.cap=1s",
                "--onceflow.worker.reconcile-delay=3s",
                "--onceflow.sweeper.interval=200ms",
                "--onceflow.monitoring.refresh-interval=1s"));
    stack = LocalStack.start(options);
    api = new OnceflowApi(stack);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyPaymentEndsFinalPaidAtMostOnceAndAgreeingWithTheBankWhileTheBankFails()
      throws Exception {
    long started = System.nanoTime();
    List<UUID> accounts = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      accounts.add(api.openAccount("EUR", OPENING));
    }
    HttpResponse<String> faults = putFaults(FAULTS);
    assertThat(faults.statusCode()).as(faults.body()).isEqualTo(200);

    Map<String, UUID> accountOf = submitAll(accounts);

    // Faults stay on until every transaction has met the bank at least once...
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> count("SELECT count(*) FROM transactions WHERE attempts = 0") == 0);
    // ...then the bank heals, and everything must become final.
    assertThat(putFaults("{}").statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM transactions WHERE state IN ('PENDING', 'PROCESSING', 'UNKNOWN')")
                    == 0);
    Duration faultRun = Duration.ofNanos(System.nanoTime() - started);

    Map<String, JsonNode> transactions = transactions(accountOf.keySet());
    Map<String, List<JsonNode>> ledger = ledgerByTransaction(accountOf.keySet());
    Map<String, Long> failures = new TreeMap<>();
    Map<UUID, Long> paidOut = new HashMap<>();
    int completed = 0;
    int failed = 0;
    int settledAtBank = 0;
    int declinedAtBank = 0;
    long bankCalls = 0;
    for (Map.Entry<String, JsonNode> entry : transactions.entrySet()) {
      String id = entry.getKey();
      JsonNode tx = entry.getValue();
      String state = tx.get("state").asString();
      List<JsonNode> payments = ledger.getOrDefault(id, List.of());
      // Invariant 1: at most one bank payment per transaction, under its own key.
      assertThat(payments).as("bank payments of %s", id).hasSizeLessThanOrEqualTo(1);
      boolean settled =
          !payments.isEmpty() && "SETTLED".equals(payments.get(0).get("status").asString());
      if (!payments.isEmpty()) {
        bankCalls += payments.get(0).get("calls").asLong();
        assertThat(payments.get(0).get("idempotencyKey").asString())
            .isEqualTo(tx.get("externalKey").asString());
        if (settled) {
          settledAtBank++;
        } else {
          declinedAtBank++;
        }
      }
      // Invariants 2 and 3: final, and COMPLETED exactly when the bank settled.
      assertThat(state).as("state of %s", id).isIn("COMPLETED", "FAILED");
      if ("COMPLETED".equals(state)) {
        completed++;
        assertThat(settled).as("%s is COMPLETED: the bank settled it", id).isTrue();
        assertThat(tx.get("bankReference").asString())
            .isEqualTo(payments.get(0).get("paymentId").asString());
        paidOut.merge(accountOf.get(id), tx.get("amount").asLong(), Long::sum);
      } else {
        failed++;
        assertThat(settled).as("%s is FAILED: the bank holds no settled payment", id).isFalse();
        failures.merge(tx.get("failureCode").asString(), 1L, Long::sum);
      }
    }
    assertThat(transactions).hasSize(PAYMENTS);

    // Invariant 4, per account, through the API.
    for (UUID account : accounts) {
      JsonNode balances = api.account(account);
      assertThat(balances.get("balance").asLong())
          .as("balance of %s", account)
          .isEqualTo(OPENING - paidOut.getOrDefault(account, 0L));
      assertThat(balances.get("reserved").asLong()).as("reserved of %s", account).isZero();
    }

    // Every final DB transaction announced itself on Kafka, with the outcome the row has.
    Map<String, Set<String>> events = completionEvents(transactions.keySet());
    for (Map.Entry<String, JsonNode> entry : transactions.entrySet()) {
      String expected =
          "COMPLETED".equals(entry.getValue().get("state").asString())
              ? "TransactionCompleted"
              : "TransactionFailed";
      assertThat(events.get(entry.getKey()))
          .as("events of %s", entry.getKey())
          .containsExactly(expected);
    }

    String metrics = awaitGaugesAgree(completed, failed);
    System.out.printf(
        "BankFaultsIT: %d payments in %d s under faults %s: %d COMPLETED, %d FAILED %s; bank ledger %d settled,"
            + " %d declined, %d calls reached it, max 1 payment per transaction; %d accounts balance;"
            + " worker retries %s, reconciliations %s%n",
        PAYMENTS,
        faultRun.toSeconds(),
        FAULTS.replaceAll("\\s+", " ").trim(),
        completed,
        failed,
        failures,
        settledAtBank,
        declinedAtBank,
        bankCalls,
        ACCOUNTS,
        sumByTag(metrics, "onceflow_worker_retries_total", "cause"),
        sumByTag(metrics, "onceflow_worker_reconciliations_total", "result"));
    assertThat(completed).isGreaterThan(PAYMENTS / 2);
    assertThat(failures).containsKey("DECLINED");
  }

  /** Submits every payment from a bounded pool of clients; returns transaction id -> account. */
  private static Map<String, UUID> submitAll(List<UUID> accounts) throws Exception {
    Map<String, UUID> accountOf = new ConcurrentHashMap<>();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> submissions = new ArrayList<>();
      String run = UUID.randomUUID().toString();
      for (int i = 0; i < PAYMENTS; i++) {
        UUID account = accounts.get(i % ACCOUNTS);
        String key = "faults-" + i + "-" + run;
        String body = OnceflowApi.payment(account, 100 + (i * 37L) % 9_900, "EUR");
        submissions.add(
            clients.submit(
                () -> {
                  HttpResponse<String> response = api.submit(key, body);
                  assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                  accountOf.put(api.json(response).get("id").asString(), account);
                  return null;
                }));
      }
      for (Future<?> submission : submissions) {
        submission.get();
      }
    } finally {
      clients.shutdown();
    }
    assertThat(accountOf).hasSize(PAYMENTS);
    return accountOf;
  }

  /**
   * Every transaction as the intake API shows it, read from the DB in one go, plus its bank key.
   */
  private static Map<String, JsonNode> transactions(Set<String> ids) throws Exception {
    Map<String, JsonNode> byId = new HashMap<>();
    try (Connection db = connect();
        var statement = db.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT id, state, amount, bank_reference, failure_code, external_key FROM transactions")) {
      while (rows.next()) {
        String id = rows.getString("id");
        if (ids.contains(id)) {
          var row = JSON.createObjectNode();
          row.put("state", rows.getString("state"));
          row.put("amount", rows.getLong("amount"));
          row.put("bankReference", rows.getString("bank_reference"));
          row.put("failureCode", rows.getString("failure_code"));
          row.put("externalKey", rows.getString("external_key"));
          byId.put(id, row);
        }
      }
    }
    return byId;
  }

  private static Map<String, List<JsonNode>> ledgerByTransaction(Set<String> ids) throws Exception {
    Map<String, List<JsonNode>> byTransaction = new HashMap<>();
    for (JsonNode payment : api.ledger()) {
      String reference = payment.get("endToEndReference").asString();
      // Every payment at the bank belongs to one of the transactions: nothing else paid it.
      assertThat(ids)
          .as("the transaction bank payment %s names", payment.get("paymentId"))
          .contains(reference);
      byTransaction.computeIfAbsent(reference, key -> new ArrayList<>()).add(payment);
    }
    return byTransaction;
  }

  /** TransactionCompleted / TransactionFailed per transaction, read from the events topic. */
  private static Map<String, Set<String>> completionEvents(Set<String> ids) {
    Map<String, Set<String>> events = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "bank-faults-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
      consumer.subscribe(List.of(Topics.TRANSACTION_EVENTS));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(500))) {
                  String type = JSON.readTree(record.value()).get("type").asString();
                  events.computeIfAbsent(record.key(), key -> new HashSet<>()).add(type);
                }
                return events.keySet().containsAll(ids);
              });
    }
    return events;
  }

  /** The worker's cached gauges catch up with the DB; returns the scrape they agreed in. */
  private String awaitGaugesAgree(int completed, int failed) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            this::scrapeWorker,
            metrics ->
                gauge(metrics, "onceflow_transactions", "state", "COMPLETED") == completed
                    && gauge(metrics, "onceflow_transactions", "state", "FAILED") == failed
                    && gauge(metrics, "onceflow_transactions_stuck", "reason", "lease-expired") == 0
                    && gauge(metrics, "onceflow_transactions_stuck", "reason", "overdue") == 0);
  }

  private String scrapeWorker() throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + ports.worker() + "/actuator/prometheus"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The value of gauge {@code name} whose tag {@code tag} is {@code value}, from a scrape. */
  private static double gauge(String metrics, String name, String tag, String value) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + "{") && line.contains(tag + "=\"" + value + "\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  /** Counter values summed per value of {@code tag}, e.g. {timeout=41, server-error=230}. */
  private static Map<String, Long> sumByTag(String metrics, String counter, String tag) {
    Map<String, Long> sums = new TreeMap<>();
    Pattern series = Pattern.compile("^" + counter + "\\{.*" + tag + "=\"([^\"]*)\".*\\} (\\S+)$");
    for (String line : metrics.split("\n")) {
      Matcher match = series.matcher(line);
      if (match.matches()) {
        sums.merge(match.group(1), (long) Double.parseDouble(match.group(2)), Long::sum);
      }
    }
    return sums;
  }

  private HttpResponse<String> putFaults(String faults) throws IOException, InterruptedException {
    return api.putFaults(faults);
  }

  private static long count(String sql) throws SQLException {
    try (Connection db = connect();
        var statement = db.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(stack.jdbcUrl(), EmbeddedPostgresServer.USER, "");
  }
}

package dev.onceflow.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BankSimulatorIT {

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();
  private Path journal;
  private ConfigurableApplicationContext bank;
  private String baseUrl;

  @BeforeEach
  void start() throws Exception {
    journal = Files.createTempDirectory("bank-simulator").resolve("ledger.jsonl");
    startBank();
  }

  @AfterEach
  void stop() {
    bank.close();
  }

  private void startBank() {
    bank =
        BankSimulatorApplication.application()
            .run("--server.port=0", "--onceflow.simulator.journal=" + journal);
    baseUrl = "http://localhost:" + bank.getEnvironment().getProperty("local.server.port");
  }

  @Test
  void executesOncePerKeyAndReplaysTheStoredResult() throws Exception {
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first = pay(key, body("tx-1", 1250));
    HttpResponse<String> second = pay(key, body("tx-1", 1250));

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(201);
    assertThat(second.headers().firstValue("Idempotent-Replay")).contains("true");
    JsonNode firstPayment = json.readTree(first.body());
    JsonNode secondPayment = json.readTree(second.body());
    assertThat(secondPayment.get("paymentId").asString())
        .isEqualTo(firstPayment.get("paymentId").asString());
    assertThat(secondPayment.get("calls").asInt()).isEqualTo(2);
    assertThat(ledgerFor("tx-1"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("maxConcurrentCalls").asInt())
                  .as("one call after the other")
                  .isEqualTo(1);
            });
  }

  @Test
  void refusesTheSameKeyWithAnotherPaymentAndKeepsTheFirst() throws Exception {
    String key = UUID.randomUUID().toString();
    pay(key, body("tx-2", 100));
    HttpResponse<String> reused = pay(key, body("tx-2", 999));

    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(reused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode stored = json.readTree(get("/payments?idempotencyKey=" + key).body());
    assertThat(stored.get("amount").asLong()).isEqualTo(100);
    assertThat(stored.get("calls").asInt()).isEqualTo(1);
  }

  @Test
  void requiresAnIdempotencyKey() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/payments"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body("tx-3", 100)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(ledgerFor("tx-3")).isEmpty();
  }

  @Test
  void answersNotFoundForAKeyItNeverSaw() throws Exception {
    assertThat(get("/payments?idempotencyKey=" + UUID.randomUUID()).statusCode()).isEqualTo(404);
  }

  @Test
  void concurrentCallsWithOneKeyExecuteOnePayment() throws Exception {
    String key = UUID.randomUUID().toString();
    var pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(() -> pay(key, body("tx-4", 700)));
      }
      List<String> paymentIds = new ArrayList<>();
      for (Future<HttpResponse<String>> call : pool.invokeAll(calls)) {
        paymentIds.add(json.readTree(call.get().body()).get("paymentId").asString());
      }
      assertThat(paymentIds).hasSize(20).containsOnly(paymentIds.get(0));
    } finally {
      pool.shutdown();
    }
    assertThat(ledgerFor("tx-4"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("calls").asInt()).isEqualTo(20);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("maxConcurrentCalls").asInt()).isBetween(1, 8);
            });
  }

  @Test
  void keepsItsLedgerAcrossARestart() throws Exception {
    String key = UUID.randomUUID().toString();
    String paymentId =
        json.readTree(pay(key, body("tx-5", 300)).body()).get("paymentId").asString();

    bank.close();
    startBank();

    HttpResponse<String> again = pay(key, body("tx-5", 300));
    assertThat(json.readTree(again.body()).get("paymentId").asString()).isEqualTo(paymentId);
    assertThat(ledgerFor("tx-5")).hasSize(1);
  }

  @Test
  void keepsAPendingPaymentsScheduleAcrossARestart() throws Exception {
    // Every draw is below 1: every new payment is accepted as pending.
    assertThat(putFaults("{\"pendingRate\": 1, \"pendingSettleMs\": 5000}").statusCode())
        .isEqualTo(200);
    String key = UUID.randomUUID().toString();
    HttpResponse<String> accepted = pay(key, body("tx-6", 400));
    assertThat(accepted.statusCode()).isEqualTo(202);
    String paymentId = json.readTree(accepted.body()).get("paymentId").asString();

    bank.close();
    startBank(); // with no faults: what was accepted still resolves on its schedule

    assertThat(
            json.readTree(get("/payments?idempotencyKey=" + key).body()).get("status").asString())
        .isEqualTo("PENDING");
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                json.readTree(get("/payments?idempotencyKey=" + key).body())
                    .get("status")
                    .asString()
                    .equals("SETTLED"));
    get("/payments");
    HttpResponse<String> again = pay(key, body("tx-6", 400));
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(json.readTree(again.body()).get("paymentId").asString()).isEqualTo(paymentId);

    bank.close();
    List<String> settlements = new ArrayList<>();
    for (String line : Files.readAllLines(journal)) {
      JsonNode payment = json.readTree(line).get("payment");
      if (payment.get("idempotencyKey").asString().equals(key)
          && payment.get("status").asString().equals("SETTLED")
          && payment.get("calls").asInt() == 1) {
        settlements.add(line);
      }
    }
    assertThat(settlements).as("the resolution, journaled once").hasSize(1);
    startBank();
    assertThat(ledgerFor("tx-6"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("status").asString()).isEqualTo("SETTLED");
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
            });
  }

  @Test
  void replaysJournalLinesWrittenBeforeExecutionsAndConcurrencyWereCounted() throws Exception {
    bank.close();
    String key = UUID.randomUUID().toString();
    Files.writeString(
        journal,
        """
        {"request":{"amount":250,"currency":"EUR","creditorName":"ACME GmbH","creditorIban":"DE89370400440532013000",\
        "endToEndReference":"tx-7","remittanceInformation":"invoice 42"},"payment":{"paymentId":"p-7",\
        "idempotencyKey":"%s","endToEndReference":"tx-7","amount":250,"currency":"EUR",\
        "creditorIban":"DE89370400440532013000","status":"SETTLED","declineReason":null,"declineStatus":null,\
        "calls":2,"createdAt":"2025-01-02T03:04:05Z","traceparent":null}}
        """
            .formatted(key));
    startBank();

    assertThat(ledgerFor("tx-7"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("paymentId").asString()).isEqualTo("p-7");
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(1);
            });
    HttpResponse<String> again = pay(key, body("tx-7", 250));
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(json.readTree(again.body()).get("calls").asInt()).isEqualTo(3);
    assertThat(json.readTree(again.body()).get("executions").asInt()).isEqualTo(1);
  }

  private List<JsonNode> ledgerFor(String endToEndReference) throws Exception {
    List<JsonNode> matching = new ArrayList<>();
    for (JsonNode payment : json.readTree(get("/payments").body())) {
      if (payment.get("endToEndReference").asString().equals(endToEndReference)) {
        matching.add(payment);
      }
    }
    return matching;
  }

  private static String body(String transactionId, long amount) {
    return """
        {"amount": %d, "currency": "EUR", "creditorName": "ACME GmbH",
         "creditorIban": "DE89370400440532013000", "endToEndReference": "%s",
         "remittanceInformation": "invoice 42"}
        """
        .formatted(amount, transactionId);
  }

  private HttpResponse<String> pay(String key, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/payments"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> putFaults(String faults) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/faults"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(faults))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

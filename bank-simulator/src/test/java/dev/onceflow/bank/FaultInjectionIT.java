package dev.onceflow.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.onceflow.bank.fault.ScriptedDice;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fault injection over HTTP, with scripted dice: each test queues the draws that pick its fault, so
 * every outcome is deterministic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultInjectionIT {

  // A draw lands in the range of one fault when only that fault's rate is set to 1.
  private static final double HIT = 0.5;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();
  private final ScriptedDice dice = new ScriptedDice();
  private ConfigurableApplicationContext bank;
  private String baseUrl;

  @BeforeAll
  void start() {
    bank =
        BankSimulatorApplication.application()
            .initializers(context -> context.getBeanFactory().registerSingleton("faultRandom", dice))
            .run("--server.port=0", "--management.server.port=0");
    baseUrl = "http://localhost:" + bank.getEnvironment().getProperty("local.server.port");
  }

  @AfterAll
  void stop() {
    bank.close();
  }

  @BeforeEach
  void clearFaults() throws Exception {
    dice.clear();
    assertThat(putFaults("{}").statusCode()).isEqualTo(200);
  }

  @Test
  void hasNoFaultsUntilTheyAreSetAndShowsWhatIsInForce() throws Exception {
    JsonNode none = json.readTree(get("/faults").body());
    assertThat(none.get("errorRate").asDouble()).isZero();
    assertThat(none.get("declineRate").asDouble()).isZero();
    assertThat(none.get("latencyMs").get("max").asLong()).isZero();

    HttpResponse<String> put =
        putFaults("{\"errorRate\": 0.1, \"timeoutRate\": 0.05, \"latencyMs\": {\"min\": 5, \"max\": 50}}");

    assertThat(put.statusCode()).isEqualTo(200);
    JsonNode set = json.readTree(get("/faults").body());
    assertThat(set.get("errorRate").asDouble()).isEqualTo(0.1);
    assertThat(set.get("timeoutRate").asDouble()).isEqualTo(0.05);
    assertThat(set.get("commitThenFailRate").asDouble()).isZero();
    assertThat(set.get("latencyMs").get("min").asLong()).isEqualTo(5);
    assertThat(set.get("latencyMs").get("max").asLong()).isEqualTo(50);
  }

  @Test
  void refusesInvalidFaultsWithAProblemAndChangesNothing() throws Exception {
    putFaults("{\"errorRate\": 0.2}");
    String before = get("/faults").body();

    List<HttpResponse<String>> refused = new ArrayList<>();
    refused.add(putFaults("{\"errorRate\": 1.5}"));
    refused.add(putFaults("{\"declineRate\": -0.1}"));
    refused.add(putFaults("{\"errorRate\": 0.6, \"timeoutRate\": 0.6}"));
    refused.add(putFaults("{\"latencyMs\": {\"min\": 100, \"max\": 10}}"));
    refused.add(putFaults("{\"errorRat\": 0.1}"));
    refused.add(putFaults("{\"errorRate\": \"lots\"}"));
    refused.add(putFaults("{not json"));

    for (HttpResponse<String> response : refused) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    }
    assertThat(json.readTree(refused.get(0).body()).get("type").asString()).endsWith("/invalid-faults");
    assertThat(json.readTree(refused.get(0).body()).get("detail").asString()).contains("errorRate");
    assertThat(get("/faults").body()).isEqualTo(before);
  }

  @Test
  void errorAnswers500AndExecutesNothing() throws Exception {
    putFaults("{\"errorRate\": 1}");
    dice.then(HIT);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> response = pay(key, body("err-1"));

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(lookup(key).statusCode()).isEqualTo(404);
    assertThat(ledgerFor("err-1")).isEmpty();
  }

  @Test
  void throttleAnswers429WithRetryAfterAndExecutesNothing() throws Exception {
    putFaults("{\"throttleRate\": 1, \"retryAfterSeconds\": 3}");
    dice.then(HIT);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> response = pay(key, body("thr-1"));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).contains("3");
    assertThat(lookup(key).statusCode()).isEqualTo(404);
  }

  @Test
  void commitThenFailStoresThePaymentThenAnswers500() throws Exception {
    putFaults("{\"commitThenFailRate\": 1}");
    dice.then(HIT, true);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> response = pay(key, body("ctf-1"));

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(json.readTree(lookup(key).body()).get("status").asString()).isEqualTo("SETTLED");
    assertThat(ledgerFor("ctf-1")).singleElement()
        .satisfies(payment -> assertThat(payment.get("calls").asInt()).isEqualTo(1));
  }

  @Test
  void commitThenFailStoresThePaymentThenDropsTheConnection() throws Exception {
    putFaults("{\"commitThenFailRate\": 1}");
    dice.then(HIT, false);
    String key = UUID.randomUUID().toString();

    assertThatThrownBy(() -> pay(key, body("drop-1"))).isInstanceOf(IOException.class);

    assertThat(json.readTree(lookup(key).body()).get("status").asString()).isEqualTo("SETTLED");
    // The client retries with the same key and gets the stored payment: one payment, two calls.
    putFaults("{}");
    HttpResponse<String> retry = pay(key, body("drop-1"));
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(ledgerFor("drop-1")).singleElement()
        .satisfies(payment -> assertThat(payment.get("calls").asInt()).isEqualTo(2));
  }

  @Test
  void timeoutThatExecutesFirstHoldsTheAnswerPastTheClientsTimeout() throws Exception {
    putFaults("{\"timeoutRate\": 1, \"timeoutHoldMs\": 800}");
    dice.then(HIT, 0);
    String key = UUID.randomUUID().toString();

    assertThatThrownBy(() -> pay(key, body("to-1"), Duration.ofMillis(300)))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat(json.readTree(lookup(key).body()).get("status").asString()).isEqualTo("SETTLED");
  }

  @Test
  void timeoutThatExecutesLateLandsAfterTheClientGaveUp() throws Exception {
    putFaults("{\"timeoutRate\": 1, \"timeoutHoldMs\": 800}");
    dice.then(HIT, 1);
    String key = UUID.randomUUID().toString();

    assertThatThrownBy(() -> pay(key, body("to-2"), Duration.ofMillis(300)))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat(lookup(key).statusCode()).as("not executed yet").isEqualTo(404);
    await().atMost(Duration.ofSeconds(5)).until(() -> lookup(key).statusCode() == 200);
  }

  @Test
  void timeoutThatNeverExecutesLeavesNoPayment() throws Exception {
    putFaults("{\"timeoutRate\": 1, \"timeoutHoldMs\": 500}");
    dice.then(HIT, 2);
    String key = UUID.randomUUID().toString();

    assertThatThrownBy(() -> pay(key, body("to-3"), Duration.ofMillis(200)))
        .isInstanceOf(HttpTimeoutException.class);

    // Past the hold and then some: still nothing.
    await()
        .during(Duration.ofMillis(1_000))
        .atMost(Duration.ofSeconds(3))
        .until(() -> lookup(key).statusCode() == 404);
  }

  @Test
  void declineIsStoredAndTheSameKeyIsDeclinedAgain() throws Exception {
    putFaults("{\"declineRate\": 1}");
    dice.then(HIT, true);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = pay(key, body("dec-1"));
    putFaults("{}");
    HttpResponse<String> again = pay(key, body("dec-1"));

    assertThat(first.statusCode()).isEqualTo(402);
    assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(first.body());
    assertThat(problem.get("type").asString()).endsWith("/payment-declined");
    assertThat(problem.get("detail").asString()).isNotBlank();
    assertThat(again.statusCode()).isEqualTo(402);
    assertThat(again.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(json.readTree(again.body()).get("paymentId").asString())
        .isEqualTo(problem.get("paymentId").asString());
    JsonNode stored = json.readTree(lookup(key).body());
    assertThat(stored.get("status").asString()).isEqualTo("DECLINED");
    assertThat(stored.get("declineStatus").asInt()).isEqualTo(402);
    assertThat(ledgerFor("dec-1")).singleElement().satisfies(payment -> {
      assertThat(payment.get("status").asString()).isEqualTo("DECLINED");
      assertThat(payment.get("calls").asInt()).isEqualTo(2);
    });
  }

  @Test
  void declineCanBeA422() throws Exception {
    putFaults("{\"declineRate\": 1}");
    dice.then(HIT, false);

    HttpResponse<String> response = pay(UUID.randomUUID().toString(), body("dec-2"));

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(json.readTree(response.body()).get("type").asString()).endsWith("/payment-declined");
  }

  @Test
  void latencyDelaysEveryPaymentCall() throws Exception {
    putFaults("{\"latencyMs\": {\"min\": 300, \"max\": 400}}");
    dice.then(50L);
    long started = System.nanoTime();

    HttpResponse<String> response = pay(UUID.randomUUID().toString(), body("lat-1"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
  }

  @Test
  void lookupsAndTheLedgerStayTruthfulWhilePaymentsFail() throws Exception {
    String key = UUID.randomUUID().toString();
    pay(key, body("truth-1"));
    putFaults("{\"errorRate\": 1}");

    // Every payment call would fail now; the lookup and the ledger do not draw at all.
    assertThat(lookup(key).statusCode()).isEqualTo(200);
    assertThat(ledgerFor("truth-1")).hasSize(1);

    putFaults("{\"lookupErrorRate\": 0.5}");
    dice.then(0.25); // the next draw fails the lookup, the one after it does not
    assertThat(lookup(key).statusCode()).isEqualTo(500);
    assertThat(lookup(key).statusCode()).isEqualTo(200);
  }

  @Test
  void startUpPropertiesSetTheFaultsAndInvalidOnesStopTheStart() throws Exception {
    try (ConfigurableApplicationContext configured =
        BankSimulatorApplication.application()
            .run(
                "--server.port=0",
                "--management.server.port=0",
                "--onceflow.simulator.faults.error-rate=0.25",
                "--onceflow.simulator.faults.latency-ms.max=20")) {
      String url = "http://localhost:" + configured.getEnvironment().getProperty("local.server.port");
      JsonNode faults = json.readTree(send(HttpRequest.newBuilder(URI.create(url + "/faults")).build()).body());
      assertThat(faults.get("errorRate").asDouble()).isEqualTo(0.25);
      assertThat(faults.get("latencyMs").get("max").asLong()).isEqualTo(20);
    }

    assertThatThrownBy(
            () ->
                BankSimulatorApplication.application()
                    .run("--server.port=0", "--management.server.port=0", "--onceflow.simulator.faults.decline-rate=2"))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("declineRate");
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

  private static String body(String transactionId) {
    return """
        {"amount": 500, "currency": "EUR", "creditorName": "ACME GmbH",
         "creditorIban": "DE89370400440532013000", "endToEndReference": "%s",
         "remittanceInformation": "invoice 7"}
        """
        .formatted(transactionId);
  }

  private HttpResponse<String> pay(String key, String body) throws Exception {
    return pay(key, body, Duration.ofSeconds(30));
  }

  private HttpResponse<String> pay(String key, String body, Duration timeout) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/payments"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> putFaults(String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/faults"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> lookup(String key) throws Exception {
    return get("/payments?idempotencyKey=" + key);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build());
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}

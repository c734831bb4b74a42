package dev.onceflow.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.onceflow.bank.fault.ScriptedDice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
  private int port;

  @BeforeAll
  void start() {
    bank =
        BankSimulatorApplication.application()
            .initializers(
                context -> context.getBeanFactory().registerSingleton("faultRandom", dice))
            .run("--server.port=0", "--management.server.port=0");
    port = Integer.parseInt(bank.getEnvironment().getProperty("local.server.port"));
    baseUrl = "http://localhost:" + port;
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
        putFaults(
            "{\"errorRate\": 0.1, \"timeoutRate\": 0.05, \"latencyMs\": {\"min\": 5, \"max\": 50}}");

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
    assertThat(json.readTree(refused.get(0).body()).get("type").asString())
        .endsWith("/invalid-faults");
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
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
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
    assertThat(ledgerFor("ctf-1"))
        .singleElement()
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
    assertThat(ledgerFor("drop-1"))
        .singleElement()
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
    assertThat(first.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
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
    assertThat(ledgerFor("dec-1"))
        .singleElement()
        .satisfies(
            payment -> {
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
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(350));
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
      String url =
          "http://localhost:" + configured.getEnvironment().getProperty("local.server.port");
      JsonNode faults =
          json.readTree(send(HttpRequest.newBuilder(URI.create(url + "/faults")).build()).body());
      assertThat(faults.get("errorRate").asDouble()).isEqualTo(0.25);
      assertThat(faults.get("latencyMs").get("max").asLong()).isEqualTo(20);
    }

    assertThatThrownBy(
            () ->
                BankSimulatorApplication.application()
                    .run(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--onceflow.simulator.faults.decline-rate=2"))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("declineRate");
  }

  @Test
  void showsTheTrickleAndPendingSettingsWithTheirDefaults() throws Exception {
    JsonNode none = json.readTree(get("/faults").body());
    assertThat(none.get("trickleRate").asDouble()).isZero();
    assertThat(none.get("trickleByteMs").asLong()).isEqualTo(1_000);
    assertThat(none.get("pendingRate").asDouble()).isZero();
    assertThat(none.get("pendingSettleMs").asLong()).isEqualTo(30_000);
    assertThat(none.get("pendingRejectRate").asDouble()).isZero();

    HttpResponse<String> put =
        putFaults(
            "{\"trickleRate\": 0.1, \"trickleByteMs\": 50, \"pendingRate\": 0.2, \"pendingSettleMs\": 4000,"
                + " \"pendingRejectRate\": 0.5}");

    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode set = json.readTree(get("/faults").body());
    assertThat(set.get("trickleRate").asDouble()).isEqualTo(0.1);
    assertThat(set.get("trickleByteMs").asLong()).isEqualTo(50);
    assertThat(set.get("pendingRate").asDouble()).isEqualTo(0.2);
    assertThat(set.get("pendingSettleMs").asLong()).isEqualTo(4_000);
    assertThat(set.get("pendingRejectRate").asDouble()).isEqualTo(0.5);
  }

  @Test
  void refusesInvalidTrickleAndPendingSettingsAndChangesNothing() throws Exception {
    putFaults("{\"trickleRate\": 0.1, \"pendingRate\": 0.1, \"pendingSettleMs\": 5000}");
    String before = get("/faults").body();

    List<HttpResponse<String>> refused = new ArrayList<>();
    refused.add(putFaults("{\"trickleRate\": 1.5}"));
    refused.add(putFaults("{\"pendingRate\": -0.1}"));
    refused.add(putFaults("{\"pendingRejectRate\": 2}"));
    refused.add(putFaults("{\"trickleByteMs\": -1}"));
    refused.add(putFaults("{\"trickleByteMs\": 300001}"));
    refused.add(putFaults("{\"pendingSettleMs\": -5}"));
    refused.add(putFaults("{\"pendingSettleMs\": 86400000}"));
    refused.add(putFaults("{\"trickleRate\": 0.5, \"pendingRate\": 0.3, \"errorRate\": 0.3}"));
    refused.add(putFaults("{\"pendingSettleMs\": \"soon\"}"));
    refused.add(putFaults("{\"pendingSettleMS\": 100}"));

    for (HttpResponse<String> response : refused) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      assertThat(json.readTree(response.body()).get("type").asString()).endsWith("/invalid-faults");
    }
    assertThat(json.readTree(refused.get(0).body()).get("detail").asString())
        .contains("trickleRate");
    assertThat(json.readTree(refused.get(2).body()).get("detail").asString())
        .contains("pendingRejectRate");
    assertThat(json.readTree(refused.get(3).body()).get("detail").asString())
        .contains("trickleByteMs");
    assertThat(json.readTree(refused.get(6).body()).get("detail").asString())
        .contains("pendingSettleMs");
    assertThat(json.readTree(refused.get(7).body()).get("detail").asString())
        .contains("must not exceed 1");
    assertThat(get("/faults").body()).isEqualTo(before);
  }

  @Test
  void trickleSendsTheHeadersAtOnceAndTheBodyOneByteAtATime() throws Exception {
    long byteMs = 10;
    putFaults("{\"trickleRate\": 1, \"trickleByteMs\": " + byteMs + "}");
    dice.then(HIT);
    String key = UUID.randomUUID().toString();
    byte[] payment = body("tri-1").getBytes(StandardCharsets.UTF_8);

    try (Socket socket = new Socket("localhost", port)) {
      // A client whose only limit is a read timeout well above the pace never times out.
      socket.setSoTimeout(1_000);
      long started = System.nanoTime();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /payments HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Idempotency-Key: "
                  + key
                  + "\r\nContent-Length: "
                  + payment.length
                  + "\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(payment);
      out.flush();
      InputStream in = socket.getInputStream();

      String head = readHead(in);
      Duration toHeaders = Duration.ofNanos(System.nanoTime() - started);
      int length = contentLength(head);
      byte[] answer = new byte[length];
      int received = 0;
      int reads = 0;
      while (received < length) {
        int read = in.read(answer, received, length - received);
        assertThat(read)
            .as("the connection ended after %d of %d bytes", received, length)
            .isPositive();
        received += read;
        reads++;
      }
      Duration total = Duration.ofNanos(System.nanoTime() - started);

      assertThat(head).startsWith("HTTP/1.1 201");
      assertThat(head.toLowerCase(Locale.ROOT)).contains("content-type: application/json");
      assertThat(toHeaders).isLessThan(Duration.ofSeconds(1));
      assertThat(total).isGreaterThanOrEqualTo(Duration.ofMillis(length * byteMs));
      assertThat(reads).as("reads of %d bytes", length).isGreaterThan(length / 4);
      assertThat(in.read()).as("nothing after the promised length").isEqualTo(-1);
      JsonNode trickled = json.readTree(answer);
      assertThat(trickled.get("idempotencyKey").asString()).isEqualTo(key);
      assertThat(trickled.get("status").asString()).isEqualTo("SETTLED");
      assertThat(ledgerFor("tri-1"))
          .singleElement()
          .satisfies(
              stored -> {
                assertThat(stored.get("paymentId").asString())
                    .isEqualTo(trickled.get("paymentId").asString());
                assertThat(stored.get("executions").asInt()).isEqualTo(1);
              });
    }
  }

  @Test
  void trickleAnswersAStoredDeclineAsAnyReplay() throws Exception {
    putFaults("{\"declineRate\": 1}");
    dice.then(HIT, true);
    String key = UUID.randomUUID().toString();
    assertThat(pay(key, body("tri-2")).statusCode()).isEqualTo(402);
    putFaults("{\"trickleRate\": 1, \"trickleByteMs\": 1}");
    dice.then(HIT);

    HttpResponse<String> trickled = pay(key, body("tri-2"));

    assertThat(trickled.statusCode()).isEqualTo(402);
    assertThat(trickled.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(trickled.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(trickled.headers().firstValueAsLong("Content-Length"))
        .hasValue(trickled.body().getBytes(StandardCharsets.UTF_8).length);
    JsonNode problem = json.readTree(trickled.body());
    assertThat(problem.get("type").asString()).endsWith("/payment-declined");
    assertThat(problem.get("instance").asString()).isEqualTo("/payments");
    assertThat(ledgerFor("tri-2"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
            });
  }

  @Test
  void pendingIsAcceptedWith202AndSettlesLater() throws Exception {
    putFaults("{\"pendingRate\": 1, \"pendingSettleMs\": 2000}");
    dice.then(HIT);
    String key = UUID.randomUUID().toString();
    long accepted = System.nanoTime();

    HttpResponse<String> first = pay(key, body("pend-1"));
    HttpResponse<String> lookup = lookup(key);
    // Still pendingRate 1: the replay draws it again, but a known key is answered from the ledger.
    HttpResponse<String> replay = pay(key, body("pend-1"));

    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    assertThat(first.headers().firstValue("Idempotent-Replay")).isEmpty();
    JsonNode pending = json.readTree(first.body());
    assertThat(pending.get("status").asString()).isEqualTo("PENDING");
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(json.readTree(lookup.body()).get("status").asString()).isEqualTo("PENDING");
    assertThat(replay.statusCode()).isEqualTo(202);
    assertThat(replay.headers().firstValue("Idempotent-Replay")).contains("true");
    JsonNode replayed = json.readTree(replay.body());
    assertThat(replayed.get("status").asString()).isEqualTo("PENDING");
    assertThat(replayed.get("paymentId").asString()).isEqualTo(pending.get("paymentId").asString());
    assertThat(replayed.get("calls").asInt()).isEqualTo(2);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> json.readTree(lookup(key).body()).get("status").asString().equals("SETTLED"));
    assertThat(Duration.ofNanos(System.nanoTime() - accepted))
        .isGreaterThanOrEqualTo(Duration.ofMillis(2_000));

    HttpResponse<String> settled = pay(key, body("pend-1"));
    assertThat(settled.statusCode()).isEqualTo(201);
    assertThat(settled.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(json.readTree(settled.body()).get("status").asString()).isEqualTo("SETTLED");
    assertThat(ledgerFor("pend-1"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("status").asString()).isEqualTo("SETTLED");
              assertThat(payment.get("paymentId").asString())
                  .isEqualTo(pending.get("paymentId").asString());
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("calls").asInt()).isEqualTo(3);
              assertThat(payment.get("declineStatus").isNull()).isTrue();
            });
  }

  @Test
  void pendingCanEndRejectedAndIsThenDeclinedLikeAnyDecline() throws Exception {
    putFaults("{\"pendingRate\": 1, \"pendingSettleMs\": 500, \"pendingRejectRate\": 1}");
    dice.then(HIT, 0.5);
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = pay(key, body("pend-2"));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(json.readTree(first.body()).get("status").asString()).isEqualTo("PENDING");
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> json.readTree(lookup(key).body()).get("status").asString().equals("DECLINED"));
    JsonNode stored = json.readTree(lookup(key).body());
    assertThat(stored.get("declineStatus").asInt()).isEqualTo(422);
    assertThat(stored.get("declineReason").asString())
        .isEqualTo("Rejected by the bank after acceptance.");

    putFaults("{}");
    HttpResponse<String> again = pay(key, body("pend-2"));
    assertThat(again.statusCode()).isEqualTo(422);
    assertThat(again.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(again.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(again.body());
    assertThat(problem.get("type").asString()).endsWith("/payment-declined");
    assertThat(problem.get("detail").asString())
        .isEqualTo("Rejected by the bank after acceptance.");
    assertThat(problem.get("status").asString()).isEqualTo("DECLINED");
    assertThat(ledgerFor("pend-2"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("status").asString()).isEqualTo("DECLINED");
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
            });
  }

  @Test
  void theLedgerShowsTwoCallsWithOneKeyOpenAtOnce() throws Exception {
    putFaults(
        "{\"latencyMs\": {\"min\": 500, \"max\": 500}}"); // unscripted, each call waits 500 ms
    String key = UUID.randomUUID().toString();

    CompletableFuture<HttpResponse<String>> one = payAsync(key, body("conc-1"));
    CompletableFuture<HttpResponse<String>> other = payAsync(key, body("conc-1"));

    assertThat(one.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    assertThat(other.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    assertThat(ledgerFor("conc-1"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(2);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
            });

    pay(UUID.randomUUID().toString(), body("conc-2"));
    assertThat(ledgerFor("conc-2"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(1);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("calls").asInt()).isEqualTo(1);
            });
  }

  @Test
  void aRetryThatArrivesWhileTheBankStillHoldsTheFirstCallCountsAsConcurrent() throws Exception {
    putFaults("{\"timeoutRate\": 1, \"timeoutHoldMs\": 1500}");
    dice.then(HIT, 0); // executes, then holds the answer
    String key = UUID.randomUUID().toString();

    assertThatThrownBy(() -> pay(key, body("conc-3"), Duration.ofMillis(300)))
        .isInstanceOf(HttpTimeoutException.class);
    putFaults("{}");
    HttpResponse<String> retry = pay(key, body("conc-3"));

    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(ledgerFor("conc-3"))
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(2);
              assertThat(payment.get("executions").asInt()).isEqualTo(1);
              assertThat(payment.get("calls").asInt()).isEqualTo(2);
            });
  }

  @Test
  void startUpPropertiesSetTheTrickleAndPendingSettings() throws Exception {
    try (ConfigurableApplicationContext configured =
        BankSimulatorApplication.application()
            .run(
                "--server.port=0",
                "--management.server.port=0",
                "--onceflow.simulator.faults.trickle-rate=0.1",
                "--onceflow.simulator.faults.trickle-byte-ms=40",
                "--onceflow.simulator.faults.pending-rate=0.3",
                "--onceflow.simulator.faults.pending-settle-ms=1234",
                "--onceflow.simulator.faults.pending-reject-rate=0.5")) {
      String url =
          "http://localhost:" + configured.getEnvironment().getProperty("local.server.port");
      JsonNode faults =
          json.readTree(send(HttpRequest.newBuilder(URI.create(url + "/faults")).build()).body());
      assertThat(faults.get("trickleRate").asDouble()).isEqualTo(0.1);
      assertThat(faults.get("trickleByteMs").asLong()).isEqualTo(40);
      assertThat(faults.get("pendingRate").asDouble()).isEqualTo(0.3);
      assertThat(faults.get("pendingSettleMs").asLong()).isEqualTo(1_234);
      assertThat(faults.get("pendingRejectRate").asDouble()).isEqualTo(0.5);
    }

    assertThatThrownBy(
            () ->
                BankSimulatorApplication.application()
                    .run(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--onceflow.simulator.faults.pending-settle-ms=999999"))
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("pendingSettleMs");
  }

  /** The status line and the headers, up to the empty line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int next = in.read();
      assertThat(next).as("the connection ended in the headers: " + head).isNotNegative();
      head.append((char) next);
    }
    return head.toString();
  }

  private static int contentLength(String head) {
    return head.lines()
        .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        .map(line -> Integer.parseInt(line.substring("content-length:".length()).strip()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Content-Length in " + head));
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

  private CompletableFuture<HttpResponse<String>> payAsync(String key, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(baseUrl + "/payments"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
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

package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.local.LocalStack;
import dev.onceflow.local.LocalStackOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A bank that never finishes its answers, and one that accepts payments and decides later, against
 * the whole local stack over HTTP: no call outlives its deadline, no transaction the bank paid ends
 * FAILED, a pending payment ends as the bank decides, and none is ever called twice at once.
 */
class SlowBankIT {

  private static final Duration CALL_DEADLINE = Duration.ofSeconds(2);
  private static final long OPENING = 1_000_000;
  private static final long AMOUNT = 1_000;

  private static LocalStack stack;
  private static OnceflowApi api;
  private static final StackPorts ports = StackPorts.free();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startStack() throws Exception {
    stack =
        LocalStack.start(
            LocalStackOptions.parse(
                ports.with(
                    "--data-dir=" + Files.createTempDirectory("onceflow-slow-bank"),
                    "--currencies=EUR",
                    OnceflowApi.UNLIMITED_RATE,
                    OnceflowApi.UNLIMITED_BURST,
                    "--onceflow.bank.connect-timeout=1s",
                    "--onceflow.bank.call-deadline=" + CALL_DEADLINE.toSeconds() + "s",
                    "--onceflow.worker.lease=5s",
                    "--onceflow.worker.retry.base=50ms",
                    "--onceflow.worker.retry.cap=1s",
                    "--onceflow.worker.retry.budget=3",
                    "--onceflow.worker.reconcile-delay=3s",
                    "--onceflow.sweeper.interval=200ms")));
    api = new OnceflowApi(stack);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @AfterEach
  void healTheBank() throws Exception {
    putFaults("{}");
  }

  @Test
  void answersTrickledPastEveryDeadlineAreAbortedAndEveryPaymentTheBankHoldsEndsCompleted()
      throws Exception {
    // About 300 bytes at 200 ms each: a minute per answer, and no single read ever waits long.
    putFaults("{\"trickleRate\": 1, \"trickleByteMs\": 200}");
    UUID account = api.openAccount("EUR", OPENING);
    List<String> ids = submit(account, "trickle", 10);

    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> finalCount(ids) == ids.size());

    for (String id : ids) {
      JsonNode tx = api.transaction(id);
      assertThat(tx.get("state").asString()).as("state of %s", id).isEqualTo("COMPLETED");
      List<JsonNode> payments = api.bankPaymentsFor(id);
      assertThat(payments).as("bank payments of %s", id).singleElement();
      assertThat(payments.get(0).get("status").asString()).isEqualTo("SETTLED");
      assertThat(payments.get(0).get("executions").asInt()).isEqualTo(1);
    }
    String metrics = scrapeWorker();
    // Every payment call was aborted at its deadline: the longest took no longer than that.
    assertThat(maxSeconds(metrics, "pay"))
        .isBetween(
            CALL_DEADLINE.toMillis() / 1000.0 - 0.5, CALL_DEADLINE.toMillis() / 1000.0 + 0.5);
    assertThat(api.account(account).get("reserved").asLong()).isZero();
    assertThat(api.account(account).get("balance").asLong())
        .isEqualTo(OPENING - ids.size() * AMOUNT);
  }

  @Test
  void aPaymentTheBankAcceptsAndSettlesThirtySecondsLaterEndsCompletedAfterOneCall()
      throws Exception {
    putFaults("{\"pendingRate\": 1, \"pendingSettleMs\": 30000}");
    UUID account = api.openAccount("EUR", OPENING);
    List<String> ids = submit(account, "pending-settle", 5);

    // Shown as UNKNOWN meanwhile, its funds still reserved.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "UNKNOWN".equals(api.transaction(ids.get(0)).get("state").asString()));
    assertThat(api.account(account).get("reserved").asLong()).isEqualTo(ids.size() * AMOUNT);
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> finalCount(ids) == ids.size());

    for (String id : ids) {
      assertThat(api.transaction(id).get("state").asString()).isEqualTo("COMPLETED");
      JsonNode payment = api.bankPaymentsFor(id).get(0);
      assertThat(payment.get("status").asString()).isEqualTo("SETTLED");
      assertThat(payment.get("calls").asInt())
          .as("payment calls for %s: lookups only after 'pending'", id)
          .isEqualTo(1);
      assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(1);
      assertThat(payment.get("executions").asInt()).isEqualTo(1);
    }
    assertThat(api.account(account).get("reserved").asLong()).isZero();
    assertThat(api.account(account).get("balance").asLong())
        .isEqualTo(OPENING - ids.size() * AMOUNT);
  }

  @Test
  void aPaymentTheBankAcceptsAndThenRejectsEndsFailedWithItsFundsReleased() throws Exception {
    putFaults("{\"pendingRate\": 1, \"pendingSettleMs\": 3000, \"pendingRejectRate\": 1}");
    UUID account = api.openAccount("EUR", OPENING);
    List<String> ids = submit(account, "pending-reject", 5);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> finalCount(ids) == ids.size());

    for (String id : ids) {
      JsonNode tx = api.transaction(id);
      assertThat(tx.get("state").asString()).isEqualTo("FAILED");
      assertThat(tx.get("failure").get("code").asString()).isEqualTo("DECLINED");
      JsonNode payment = api.bankPaymentsFor(id).get(0);
      assertThat(payment.get("status").asString()).isEqualTo("DECLINED");
      assertThat(payment.get("calls").asInt()).isEqualTo(1);
      assertThat(payment.get("maxConcurrentCalls").asInt()).isEqualTo(1);
    }
    assertThat(api.account(account).get("reserved").asLong()).isZero();
    assertThat(api.account(account).get("balance").asLong()).isEqualTo(OPENING);
  }

  private List<String> submit(UUID account, String prefix, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> accepted =
          api.submit(prefix + "-" + i, OnceflowApi.payment(account, AMOUNT, "EUR"));
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      ids.add(api.json(accepted).get("id").asString());
    }
    return ids;
  }

  private long finalCount(List<String> ids) throws Exception {
    long finished = 0;
    for (String id : ids) {
      String state = api.transaction(id).get("state").asString();
      if (state.equals("COMPLETED") || state.equals("FAILED")) {
        finished++;
      }
    }
    return finished;
  }

  /** The longest bank call of {@code operation} the worker timed, in seconds. */
  private static double maxSeconds(String metrics, String operation) {
    Pattern series =
        Pattern.compile(
            "^onceflow_bank_calls_seconds_max\\{.*operation=\"" + operation + "\".*\\} (\\S+)$");
    double max = 0;
    for (String line : metrics.split("\n")) {
      Matcher match = series.matcher(line);
      if (match.matches()) {
        max = Math.max(max, Double.parseDouble(match.group(1)));
      }
    }
    return max;
  }

  private String scrapeWorker() throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + ports.worker() + "/actuator/prometheus"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private void putFaults(String faults) throws Exception {
    HttpResponse<String> response = api.putFaults(faults);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}

package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.onceflow.local.LocalStack;
import dev.onceflow.local.LocalStackOptions;
import dev.onceflow.system.WebhookReceiver.Received;
import dev.onceflow.testing.OpenApiContract;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end on the embedded stack: an endpoint that answers 500 for a while, then 200,
 * gets every final event of the client's payments, each signed so that Stripe's own verifier
 * accepts it, and the delivery log shows each attempt. The backoff is scaled down (base 200 ms, cap
 * 1 s) so that the outage is seconds, not minutes.
 */
class WebhooksIT {

  private static LocalStack stack;
  private static OnceflowApi api;

  @BeforeAll
  static void startStack() throws Exception {
    stack =
        LocalStack.start(
            LocalStackOptions.parse(
                StackPorts.free()
                    .with(
                        "--data-dir=" + Files.createTempDirectory("onceflow-webhooks"),
                        "--currencies=EUR",
                        OnceflowApi.UNLIMITED_RATE,
                        OnceflowApi.UNLIMITED_BURST,
                        "--onceflow.webhooks.retry-base=200ms",
                        "--onceflow.webhooks.retry-cap=1s",
                        "--onceflow.webhooks.poll-interval=50ms")));
    api = new OnceflowApi(stack);
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  @Test
  void anEndpointThatFailsAWhileGetsEveryFinalEventSignedAndLogged() throws Exception {
    try (WebhookReceiver down = new WebhookReceiver(true);
        WebhookReceiver cancelsOnly = new WebhookReceiver(false)) {
      JsonNode endpoint = register(down.url(), null);
      String secret = endpoint.get("secret").asString();
      JsonNode cancelEndpoint = register(cancelsOnly.url(), "[\"TransactionCancelled\"]");

      Map<String, String> expected = new HashMap<>(); // transaction id -> event type
      UUID account = api.openAccount("EUR", 100_000);
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> paid =
            api.submit("hook-" + UUID.randomUUID(), OnceflowApi.payment(account, 100 + i, "EUR"));
        expected.put(api.json(paid).get("id").asString(), "TransactionCompleted");
      }
      HttpResponse<String> tooMuch =
          api.submit("hook-" + UUID.randomUUID(), OnceflowApi.payment(account, 1_000_000, "EUR"));
      assertThat(tooMuch.statusCode()).isEqualTo(422);
      expected.put(api.json(tooMuch).get("id").asString(), "TransactionFailed");
      String draft =
          api.json(api.draft(OnceflowApi.payment(account, 50, "EUR"))).get("id").asString();
      assertThat(api.cancel(draft).statusCode()).isEqualTo(200);
      expected.put(draft, "TransactionCancelled");

      // The endpoint stays down until every event has been refused twice: the retries are real.
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> refusedTwice(down).size() == expected.size());
      down.failing = false;
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> down.acknowledged().size() >= expected.size());

      Map<String, String> delivered = new HashMap<>();
      for (Received request : down.acknowledged()) {
        JsonNode event = api.json(request.body());
        assertThat(event.get("id").asString()).isEqualTo(request.eventId());
        delivered.put(
            event.get("data").get("transaction").get("id").asString(),
            event.get("type").asString());
      }
      assertThat(delivered).isEqualTo(expected);
      assertThat(down.acknowledged()).extracting(Received::eventId).doesNotHaveDuplicates();
      // Every attempt, refused or not, is the documented webhook, signed in Stripe's scheme with
      // the endpoint's secret.
      for (Received request : down.received) {
        OpenApiContract.checkWebhook("transactionEvent", request::header, request.body());
        assertThat(Webhook.Signature.verifyHeader(request.body(), request.signature(), secret, 300))
            .isTrue();
      }
      Received any = down.received.get(0);
      assertThatThrownBy(
              () ->
                  Webhook.Signature.verifyHeader(
                      any.body().replace("\"id\"", "\"Id\""), any.signature(), secret, 300))
          .isInstanceOf(SignatureVerificationException.class);
      assertThatThrownBy(
              () -> Webhook.Signature.verifyHeader(any.body(), any.signature(), "whsec_other", 300))
          .isInstanceOf(SignatureVerificationException.class);

      await().atMost(Duration.ofSeconds(30)).until(() -> cancelsOnly.acknowledged().size() >= 1);
      assertThat(cancelsOnly.received).hasSize(1);
      assertThat(api.json(cancelsOnly.received.get(0).body()).get("type").asString())
          .isEqualTo("TransactionCancelled");

      // The delivery log: every delivery DELIVERED after its refused attempts, each logged.
      String endpointId = endpoint.get("id").asString();
      List<JsonNode> log = deliveries(endpointId);
      assertThat(log).hasSize(expected.size());
      for (JsonNode delivery : log) {
        assertThat(delivery.get("state").asString()).isEqualTo("DELIVERED");
        List<Integer> statuses = new ArrayList<>();
        delivery.get("log").forEach(attempt -> statuses.add(attempt.get("statusCode").asInt()));
        assertThat(statuses.size())
            .isEqualTo(delivery.get("attempts").asInt())
            .isGreaterThanOrEqualTo(3);
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo(200);
        assertThat(statuses.subList(0, statuses.size() - 1)).containsOnly(500);
        assertThat(delivery.get("nextAttemptAt").isNull()).isTrue();
      }
      assertThat(deliveries(cancelEndpoint.get("id").asString())).hasSize(1);

      // A re-send delivers the same event again.
      JsonNode first = log.get(0);
      HttpResponse<String> resent =
          api.post(
              "/webhook-endpoints/"
                  + endpointId
                  + "/deliveries/"
                  + first.get("id").asString()
                  + "/resend",
              "");
      assertThat(resent.statusCode()).as(resent.body()).isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> down.acknowledged().size() == expected.size() + 1);
      assertThat(down.acknowledged().get(expected.size()).eventId())
          .isEqualTo(first.get("eventId").asString());
    }
  }

  /** Event ids the endpoint has answered 500 at least twice. */
  private static java.util.Set<String> refusedTwice(WebhookReceiver receiver) {
    return receiver.received.stream()
        .filter(r -> r.answered() == 500)
        .collect(Collectors.groupingBy(Received::eventId, Collectors.counting()))
        .entrySet()
        .stream()
        .filter(e -> e.getValue() >= 2)
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  private static JsonNode register(String url, String eventTypes) throws Exception {
    HttpResponse<String> registered =
        api.post(
            "/webhook-endpoints",
            "{\"url\": \""
                + url
                + "\""
                + (eventTypes == null ? "" : ", \"eventTypes\": " + eventTypes)
                + "}");
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    return api.json(registered);
  }

  private static List<JsonNode> deliveries(String endpointId) throws Exception {
    HttpResponse<String> page =
        api.get("/webhook-endpoints/" + endpointId + "/deliveries?limit=100");
    assertThat(page.statusCode()).isEqualTo(200);
    List<JsonNode> items = new ArrayList<>();
    api.json(page).get("data").forEach(items::add);
    return items;
  }
}

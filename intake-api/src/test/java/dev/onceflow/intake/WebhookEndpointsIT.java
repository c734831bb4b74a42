package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.intake.webhook.WebhookEndpoints;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * /webhook-endpoints: registration (its secret shown once), the SSRF guard, the delivery log and
 * re-sends. Deliveries are written here as the dispatcher writes them; the dispatcher itself is
 * tested with the whole stack (system-tests' WebhooksIT).
 */
class WebhookEndpointsIT {

  // A documentation address (TEST-NET-3): public, so allowed, and never resolved through DNS.
  private static final String PUBLIC_URL = "https://203.0.113.10/hooks/onceflow";

  private final TestIntake intake = TestIntake.shared();
  private final JdbcTemplate jdbc = intake.jdbc;
  private Client client;
  private IntakeHttp api;

  @BeforeEach
  void newClient() {
    client = intake.admin().newClient("webhook client");
    api = intake.http(client.apiKey());
  }

  @Test
  void registersAnEndpointAndShowsItsSecretOnlyOnce() {
    HttpResponse<String> registered =
        api.post(
            "/webhook-endpoints",
            null,
            "{\"url\": \"" + PUBLIC_URL + "\", \"eventTypes\": [\"TransactionCompleted\"]}");

    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    JsonNode body = json(registered);
    String id = body.get("id").asString();
    assertThat(registered.headers().firstValue("Location")).hasValue("/webhook-endpoints/" + id);
    assertThat(body.get("secret").asString()).matches("whsec_[A-Za-z0-9_-]{43}");
    assertThat(body.get("eventTypes").toString()).isEqualTo("[\"TransactionCompleted\"]");

    JsonNode read = json(api.get("/webhook-endpoints/" + id));
    assertThat(read.has("secret")).isFalse();
    assertThat(read.get("url").asString()).isEqualTo(PUBLIC_URL);
    assertThat(read.get("createdAt").asString()).isEqualTo(body.get("createdAt").asString());
    assertThat(api.all("/webhook-endpoints"))
        .extracting(e -> e.get("id").asString())
        .containsExactly(id);
    assertThat(api.all("/webhook-endpoints").get(0).has("secret")).isFalse();
  }

  @Test
  void withoutEventTypesAnEndpointTakesEveryClientEvent() {
    JsonNode body = json(api.post("/webhook-endpoints", null, "{\"url\": \"" + PUBLIC_URL + "\"}"));

    assertThat(body.get("eventTypes").toString())
        .isEqualTo("[\"TransactionCompleted\",\"TransactionFailed\",\"TransactionCancelled\"]");
  }

  @Test
  void refusesLoopbackAndPrivateAddressesAndBadUrlsAndChangesNothing() {
    for (String url :
        List.of(
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://10.0.0.5/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook")) {
      HttpResponse<String> refused =
          api.post("/webhook-endpoints", null, "{\"url\": \"" + url + "\"}");
      assertProblem(refused, 400, "invalid-webhook-url");
      assertThat(json(refused).get("detail").asString())
          .contains("onceflow.webhooks.allow-private-addresses");
    }
    for (String body :
        List.of(
            "{\"url\": \"ftp://203.0.113.10/x\"}",
            "{\"url\": \"\"}",
            "{}",
            "{\"url\": \"" + PUBLIC_URL + "\", \"eventTypes\": [\"TransactionRequested\"]}",
            "{\"url\": \"" + PUBLIC_URL + "\", \"eventTypes\": [\"Nope\"]}")) {
      HttpResponse<String> refused = api.post("/webhook-endpoints", null, body);
      assertThat(refused.statusCode()).as(body).isEqualTo(400);
    }
    assertThat(api.all("/webhook-endpoints")).isEmpty();
  }

  @Test
  void aClientHasAtMostSixteenLiveEndpoints() {
    for (int i = 0; i < WebhookEndpoints.MAX_ENDPOINTS_PER_CLIENT; i++) {
      assertThat(register().statusCode()).isEqualTo(201);
    }
    assertProblem(register(), 422, "too-many-webhook-endpoints");

    api.delete("/webhook-endpoints/" + id(register(0)));
    assertThat(register().statusCode()).isEqualTo(201);
  }

  @Test
  void aDeletedEndpointIsGoneAndItsPendingDeliveriesAreAbandoned() {
    String endpoint = id(register());
    UUID delivery = insertDelivery(UUID.fromString(endpoint), "PENDING");

    assertThat(api.delete("/webhook-endpoints/" + endpoint).statusCode()).isEqualTo(204);

    assertProblem(api.get("/webhook-endpoints/" + endpoint), 404, "webhook-endpoint-not-found");
    assertProblem(api.delete("/webhook-endpoints/" + endpoint), 404, "webhook-endpoint-not-found");
    assertThat(
            jdbc.queryForObject(
                "SELECT state FROM webhook_deliveries WHERE id = ?", String.class, delivery))
        .isEqualTo("FAILED");
  }

  @Test
  void showsTheDeliveryLogWithEachAttemptAndResendsADeliveryOnce() {
    UUID endpoint = UUID.fromString(id(register()));
    UUID failed = insertDelivery(endpoint, "FAILED");
    jdbc.update(
        "INSERT INTO webhook_attempts VALUES (?, 1, now(), 31, 500, 'HTTP 500'), (?, 2, now(), 12, NULL, 'ConnectException')",
        failed,
        failed);

    List<JsonNode> log = api.all("/webhook-endpoints/" + endpoint + "/deliveries");
    assertThat(log).hasSize(1);
    JsonNode delivery = log.get(0);
    assertThat(delivery.get("state").asString()).isEqualTo("FAILED");
    assertThat(delivery.get("log")).hasSize(2);
    assertThat(delivery.get("log").get(0).get("statusCode").asInt()).isEqualTo(500);
    assertThat(delivery.get("log").get(0).get("latencyMs").asInt()).isEqualTo(31);
    assertThat(delivery.get("log").get(1).get("statusCode").isNull()).isTrue();
    assertThat(delivery.get("log").get(1).get("error").asString()).isEqualTo("ConnectException");

    String path = "/webhook-endpoints/" + endpoint + "/deliveries/" + failed;
    HttpResponse<String> resent = api.post(path + "/resend", null, "");
    assertThat(resent.statusCode()).as(resent.body()).isEqualTo(202);
    assertThat(json(resent).get("state").asString()).isEqualTo("PENDING");
    Instant giveUp = Instant.parse(json(resent).get("giveUpAt").asString());
    // The retry period of the first series (one day here) starts again.
    assertThat(giveUp).isAfter(Instant.now().plusSeconds(86_000));
    HttpResponse<String> again = api.post(path + "/resend", null, "");
    assertThat(json(again).get("giveUpAt").asString())
        .isEqualTo(json(resent).get("giveUpAt").asString());

    assertThat(json(api.get(path)).get("id").asString()).isEqualTo(failed.toString());
  }

  @Test
  void anotherClientsEndpointsAndDeliveriesAreNotFound() {
    UUID endpoint = UUID.fromString(id(register()));
    UUID delivery = insertDelivery(endpoint, "DELIVERED");
    IntakeHttp other = intake.http(intake.admin().newClient("other").apiKey());

    assertProblem(other.get("/webhook-endpoints/" + endpoint), 404, "webhook-endpoint-not-found");
    assertProblem(
        other.get("/webhook-endpoints/" + endpoint + "/deliveries"),
        404,
        "webhook-endpoint-not-found");
    assertProblem(
        other.post(
            "/webhook-endpoints/" + endpoint + "/deliveries/" + delivery + "/resend", null, ""),
        404,
        "webhook-endpoint-not-found");
    assertProblem(
        other.delete("/webhook-endpoints/" + endpoint), 404, "webhook-endpoint-not-found");
    assertProblem(
        api.get("/webhook-endpoints/" + endpoint + "/deliveries/" + UUID.randomUUID()),
        404,
        "webhook-delivery-not-found");
    assertThat(api.get("/webhook-endpoints/" + endpoint).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> register() {
    return api.post("/webhook-endpoints", null, "{\"url\": \"" + PUBLIC_URL + "\"}");
  }

  /** The first live endpoint's registration, as a response-like holder of its id. */
  private HttpResponse<String> register(int index) {
    String first = api.all("/webhook-endpoints").get(index).get("id").asString();
    return api.get("/webhook-endpoints/" + first);
  }

  /** A delivery as the dispatcher records it, for a transaction of this client. */
  private UUID insertDelivery(UUID endpoint, String state) {
    UUID account = intake.admin().openAccount(client.id(), "EUR", 10_000);
    UUID transaction =
        UUID.fromString(id(api.submit("w-" + UUID.randomUUID(), payment(account, 100))));
    UUID id = UUID.randomUUID();
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.update(
        """
        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, transaction_id,
            payload, state, attempts, next_attempt_at, give_up_at, created_at)
        VALUES (?, ?, ?, 'TransactionCompleted', ?, '{}', ?, 2, ?, ?::timestamptz + interval '1 day', ?)
        """,
        id,
        endpoint,
        UUID.randomUUID(),
        transaction,
        state,
        now,
        now,
        now);
    return id;
  }
}

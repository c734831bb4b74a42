package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.SharedTestInfrastructure;
import dev.onceflow.intake.client.ApiKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class IntakeApiIT {

  private static final String IBAN = "DE89370400440532013000";

  private static ConfigurableApplicationContext app;
  private static JdbcTemplate jdbc;
  private static String baseUrl;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();
  private String apiKey;
  private UUID clientId;
  private UUID accountId;

  @BeforeAll
  static void startIntake() {
    EmbeddedPostgresServer postgres = SharedTestInfrastructure.postgres();
    app =
        IntakeApplication.application()
            .run(
                "--server.port=0",
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=" + EmbeddedPostgresServer.USER);
    jdbc = app.getBean(JdbcTemplate.class);
    baseUrl = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
  }

  @AfterAll
  static void stopIntake() {
    app.close();
  }

  @BeforeEach
  void newClientWithFundedAccount() {
    apiKey = "key-" + UUID.randomUUID();
    clientId = newClient(apiKey);
    accountId = newAccount(clientId, "EUR", 100_000);
  }

  @Test
  void acceptsANewPaymentWithLocationAndReservesItsAmount() throws Exception {
    HttpResponse<String> response = submit("k-1", payment(accountId, 1250));

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("state").asString()).isEqualTo("PENDING");
    assertThat(body.get("amount").asLong()).isEqualTo(1250);
    assertThat(body.get("creditor").get("iban").asString()).isEqualTo(IBAN);
    assertThat(response.headers().firstValue("Location"))
        .contains("/transactions/" + body.get("id").asString());
    assertThat(reserved(accountId)).isEqualTo(1250);
    assertThat(get("/transactions/" + body.get("id").asString()).statusCode()).isEqualTo(200);
  }

  @Test
  void replaysFirstResponseForSameKey() throws Exception {
    HttpResponse<String> first = submit("k-2", payment(accountId, 500));
    HttpResponse<String> second = submit("k-2", payment(accountId, 500));

    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(second.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(id(second)).isEqualTo(id(first));
    assertThat(transactionCount(clientId)).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(500);
  }

  @Test
  void treatsReorderedFieldsAndQuotedKeysAsTheSameRequest() throws Exception {
    HttpResponse<String> first = submit("k-3", payment(accountId, 700));
    String reordered =
        """
        {  "reference": "invoice 42", "creditor": {"iban": "DE89 3704 0044 0532 0130 00", "name": "ACME GmbH"},
           "currency": "EUR", "amount": 700, "accountId": "%s" }
        """
            .formatted(accountId);
    HttpResponse<String> second = submit("\"k-3\"", reordered);

    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(id(second)).isEqualTo(id(first));
    assertThat(transactionCount(clientId)).isEqualTo(1);
  }

  @Test
  void refusesSameKeyWithDifferentPayloadAndChangesNothing() throws Exception {
    HttpResponse<String> first = submit("k-4", payment(accountId, 300));
    HttpResponse<String> other = submit("k-4", payment(accountId, 301));

    assertThat(other.statusCode()).isEqualTo(422);
    assertProblem(other, "idempotency-key-reused");
    assertThat(transactionCount(clientId)).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(300);
    assertThat(id(submit("k-4", payment(accountId, 300)))).isEqualTo(id(first));
  }

  @Test
  void rejectsMissingOrMalformedKeysAndStoresNothing() throws Exception {
    HttpResponse<String> missing = send(post(payment(accountId, 100)).build());
    HttpResponse<String> tooLong = submit("x".repeat(256), payment(accountId, 100));
    HttpResponse<String> notVisible = submit("with space", payment(accountId, 100));

    for (HttpResponse<String> response : List.of(missing, tooLong, notVisible)) {
      assertThat(response.statusCode()).isEqualTo(400);
      assertProblem(response, "invalid-idempotency-key");
    }
    assertThat(transactionCount(clientId)).isZero();
    assertThat(keyCount(clientId)).isZero();
  }

  @Test
  void rejectsMalformedJsonAndInvalidFieldsAndStoresNothing() throws Exception {
    HttpResponse<String> malformed = submit("k-5", "{\"amount\": 12");
    HttpResponse<String> negative = submit("k-6", payment(accountId, -5));
    HttpResponse<String> badIban =
        submit("k-7", payment(accountId, 100).replace(IBAN, "DE00370400440532013000"));
    HttpResponse<String> badCurrency = submit("k-8", payment(accountId, 100).replace("EUR", "EURO"));

    assertThat(malformed.statusCode()).isEqualTo(400);
    assertProblem(malformed, "malformed-body");
    for (HttpResponse<String> response : List.of(negative, badIban, badCurrency)) {
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/problem+json"));
    }
    assertThat(transactionCount(clientId)).isZero();
    assertThat(keyCount(clientId)).isZero();
    assertThat(reserved(accountId)).isZero();
  }

  @Test
  void refusesAnUnknownAccountWithoutKeepingTheKey() throws Exception {
    HttpResponse<String> unknown = submit("k-9", payment(UUID.randomUUID(), 100));

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertProblem(unknown, "account-not-found");
    assertThat(keyCount(clientId)).isZero();
    assertThat(submit("k-9", payment(accountId, 100)).statusCode()).isEqualTo(202);
  }

  @Test
  void recordsInsufficientFundsAsFailedAndReplaysTheRefusal() throws Exception {
    HttpResponse<String> refused = submit("k-10", payment(accountId, 100_001));
    HttpResponse<String> replay = submit("k-10", payment(accountId, 100_001));

    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode body = json.readTree(refused.body());
    assertThat(body.get("state").asString()).isEqualTo("FAILED");
    assertThat(body.get("failure").get("code").asString()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(replay.statusCode()).isEqualTo(422);
    assertThat(replay.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(id(replay)).isEqualTo(id(refused));
    assertThat(reserved(accountId)).isZero();
  }

  @Test
  void fiftyConcurrentRequestsWithOneKeyMakeOneTransaction() throws Exception {
    var pool = Executors.newFixedThreadPool(16);
    List<Callable<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(() -> submit("k-11", payment(accountId, 900)));
    }
    List<String> ids = new ArrayList<>();
    try {
      for (Future<HttpResponse<String>> response : pool.invokeAll(requests)) {
        assertThat(response.get().statusCode()).isEqualTo(202);
        ids.add(id(response.get()));
      }
    } finally {
      pool.shutdown();
    }

    assertThat(ids).hasSize(50).containsOnly(ids.get(0));
    assertThat(transactionCount(clientId)).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(900);
  }

  @Test
  void aClientSeesOnlyItsOwnTransactionsAndMustAuthenticate() throws Exception {
    String id = id(submit("k-12", payment(accountId, 100)));
    String otherKey = "key-" + UUID.randomUUID();
    newClient(otherKey);

    HttpResponse<String> foreign =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/transactions/" + id))
            .header("Authorization", "Bearer " + otherKey).GET().build());
    HttpResponse<String> anonymous =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/transactions/" + id)).GET().build());

    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertProblem(anonymous, "unauthorized");
  }

  @Test
  void findsATransactionByItsIdempotencyKey() throws Exception {
    String id = id(submit("k-13", payment(accountId, 100)));

    HttpResponse<String> byKey = get("/transactions?idempotencyKey=k-13");

    assertThat(byKey.statusCode()).isEqualTo(200);
    assertThat(json.readTree(byKey.body()).get("id").asString()).isEqualTo(id);
  }

  private UUID newClient(String key) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO clients (id, name, api_key_hash, created_at) VALUES (?, ?, ?, ?)",
        id, "client " + id, ApiKeys.hash(key), Timestamp.from(Instant.now()));
    return id;
  }

  private UUID newAccount(UUID client, String currency, long balance) {
    UUID id = UUID.randomUUID();
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.update(
        """
        INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version,
                              created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)
        """,
        id, client, currency, balance, balance, now, now);
    return id;
  }

  private long reserved(UUID account) {
    return jdbc.queryForObject("SELECT reserved FROM accounts WHERE id = ?", Long.class, account);
  }

  private int transactionCount(UUID client) {
    return jdbc.queryForObject("SELECT count(*) FROM transactions WHERE client_id = ?", Integer.class, client);
  }

  private int keyCount(UUID client) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM idempotency_keys WHERE client_id = ?", Integer.class, client);
  }

  private static String payment(UUID account, long amount) {
    return """
        {"accountId": "%s", "amount": %d, "currency": "EUR",
         "creditor": {"name": "ACME GmbH", "iban": "%s"}, "reference": "invoice 42"}
        """
        .formatted(account, amount, IBAN);
  }

  private String id(HttpResponse<String> response) {
    return json.readTree(response.body()).get("id").asString();
  }

  private void assertProblem(HttpResponse<String> response, String type) {
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        contentType -> assertThat(contentType).startsWith("application/problem+json"));
    assertThat(json.readTree(response.body()).get("type").asString()).endsWith("/" + type);
  }

  private HttpRequest.Builder post(String body) {
    return HttpRequest.newBuilder(URI.create(baseUrl + "/transactions"))
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpResponse<String> submit(String key, String body) throws Exception {
    return send(post(body).header("Idempotency-Key", key).build());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
        .header("Authorization", "Bearer " + apiKey).GET().build());
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}

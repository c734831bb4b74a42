package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.intake.admin.AdminActions;
import dev.onceflow.intake.client.ApiKeys;
import dev.onceflow.testing.MoneyInvariant;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** Client and account administration under /admin, guarded by its own key. */
@ExtendWith(MoneyInvariant.class)
class AdminApiIT {

  private final TestIntake intake = TestIntake.shared();
  private final IntakeHttp admin = intake.admin();

  @Test
  void createsAClientAndShowsItsKeyOnlyOnceStoringOnlyTheHash() {
    HttpResponse<String> created = admin.post("/admin/clients", "{\"name\": \"ACME Payroll\"}");

    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = json(created);
    String id = body.get("id").asString();
    String apiKey = body.get("apiKey").asString();
    assertThat(created.headers().firstValue("Location")).contains("/admin/clients/" + id);
    assertThat(body.get("name").asString()).isEqualTo("ACME Payroll");
    assertThat(apiKey).hasSizeGreaterThan(40);
    Map<String, Object> row =
        intake.jdbc.queryForMap("SELECT * FROM api_keys WHERE client_id = ?", UUID.fromString(id));
    assertThat(row.get("key_hash")).isEqualTo(ApiKeys.hash(apiKey));
    assertThat(row.get("hint")).isEqualTo(apiKey.substring(apiKey.length() - 4));
    assertThat(row.values()).noneMatch(value -> String.valueOf(value).contains(apiKey));
    assertThat(
            intake
                .jdbc
                .queryForMap("SELECT * FROM clients WHERE id = ?", UUID.fromString(id))
                .values())
        .noneMatch(value -> String.valueOf(value).contains(apiKey));
    JsonNode read = json(admin.get("/admin/clients/" + id));
    assertThat(read.has("apiKey")).isFalse();
    assertThat(read.get("name").asString()).isEqualTo("ACME Payroll");
    assertThat(intake.http(apiKey).get("/accounts").statusCode()).isEqualTo(200);
  }

  @Test
  void listsClientsWithoutTheirKeys() {
    IntakeHttp.Client client = admin.newClient("listed client");

    List<JsonNode> clients = admin.all("/admin/clients?limit=100");

    JsonNode listed = null;
    for (JsonNode c : clients) {
      assertThat(c.has("apiKey")).isFalse();
      assertThat(c.has("apiKeyHash")).isFalse();
      if (c.get("id").asString().equals(client.id().toString())) {
        listed = c;
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.get("name").asString()).isEqualTo("listed client");
  }

  @Test
  void opensAnAccountWithAnOpeningBalanceThatTheClientCanRead() {
    IntakeHttp.Client client = admin.newClient("funded client");

    HttpResponse<String> opened =
        admin.post(
            "/admin/clients/" + client.id() + "/accounts",
            "{\"currency\": \"GBP\", \"openingBalance\": 50000}");

    assertThat(opened.statusCode()).isEqualTo(201);
    String accountId = json(opened).get("id").asString();
    assertThat(opened.headers().firstValue("Location")).contains("/accounts/" + accountId);
    JsonNode seen = json(intake.http(client.apiKey()).get("/accounts/" + accountId));
    assertThat(seen.get("currency").asString()).isEqualTo("GBP");
    assertThat(seen.get("openingBalance").asLong()).isEqualTo(50_000);
    assertThat(seen.get("balance").asLong()).isEqualTo(50_000);
    assertThat(seen.get("reserved").asLong()).isZero();
    assertThat(seen.get("available").asLong()).isEqualTo(50_000);
    assertThat(json(admin.get("/admin/clients/" + client.id() + "/accounts")).get("data"))
        .extracting(account -> account.get("id").asString())
        .containsExactly(accountId);
  }

  @Test
  void refusesInvalidAccountsAndUnknownClientsAndStoresNothing() {
    IntakeHttp.Client client = admin.newClient("careful client");
    String accounts = "/admin/clients/" + client.id() + "/accounts";

    assertProblem(
        admin.post(accounts, "{\"currency\": \"EURO\", \"openingBalance\": 1}"),
        400,
        "invalid-currency");
    assertProblem(
        admin.post(accounts, "{\"currency\": \"XAU\", \"openingBalance\": 1}"),
        400,
        "invalid-currency");
    assertProblem(
        admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalance\": -1}"),
        400,
        "invalid-opening-balance");
    assertProblem(admin.post(accounts, "{\"currency\": \"EUR\"}"), 400, "invalid-opening-balance");
    assertProblem(
        admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalance\": 1.5}"),
        400,
        "malformed-body");
    assertProblem(
        admin.post(
            "/admin/clients/" + UUID.randomUUID() + "/accounts",
            "{\"currency\": \"EUR\", \"openingBalance\": 1}"),
        404,
        "client-not-found");
    assertProblem(admin.post("/admin/clients", "{\"name\": \"  \"}"), 400, "invalid-client");
    assertProblem(
        admin.post("/admin/clients", "{\"name\": \"Evil\u202eCorp\"}"), 400, "invalid-client");
    assertProblem(
        admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalance\": 1000000000001}"),
        400,
        "invalid-opening-balance");
    assertProblem(
        admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalanse\": 1}"),
        400,
        "unknown-field");
    assertProblem(
        admin.post(accounts, null, "{\"currency\": \"EUR\", \"openingBalance\": 1}"),
        400,
        "invalid-idempotency-key");

    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE client_id = ?", Integer.class, client.id()))
        .isZero();
  }

  @Test
  void anAccountOpeningSentFiveTimesWithOneKeyOpensOneAccountWithOneBalance() throws Exception {
    IntakeHttp.Client client = admin.newClient("retrying operator");
    String accounts = "/admin/clients/" + client.id() + "/accounts";
    String body = "{\"currency\": \"EUR\", \"openingBalance\": 70000}";

    List<HttpResponse<String>> answers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      List<Future<HttpResponse<String>>> concurrent = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        // The same content, formatted differently by each sender.
        String sent = i % 2 == 0 ? body : body.replace(" 70000", "70000");
        concurrent.add(pool.submit(() -> admin.post(accounts, "open-eur-" + client.id(), sent)));
      }
      for (Future<HttpResponse<String>> answer : concurrent) {
        answers.add(answer.get());
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(201);
    assertThat(answers)
        .filteredOn(a -> a.headers().firstValue("Idempotent-Replay").isEmpty())
        .hasSize(1);
    assertThat(answers)
        .extracting(a -> a.headers().firstValue("Location").orElseThrow())
        .containsOnly(answers.get(0).headers().firstValue("Location").orElseThrow());
    assertThat(answers).extracting(IntakeHttp::json).containsOnly(json(answers.get(0)));
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE client_id = ?", Integer.class, client.id()))
        .isEqualTo(1);
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT sum(opening_balance) FROM accounts WHERE client_id = ?",
                Long.class,
                client.id()))
        .isEqualTo(70_000);
    assertProblem(
        admin.post(
            accounts,
            "open-eur-" + client.id(),
            "{\"currency\": \"EUR\", \"openingBalance\": 80000}"),
        422,
        "idempotency-key-reused");
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE client_id = ?", Integer.class, client.id()))
        .isEqualTo(1);
  }

  @Test
  void anExpiredAdminKeyIsPurgedAndStartsAfreshWhenUsedAgain() {
    IntakeHttp.Client client = admin.newClient("expiring admin key");
    String accounts = "/admin/clients/" + client.id() + "/accounts";
    String key = "open-once-" + client.id();
    assertThat(
            admin
                .post(accounts, key, "{\"currency\": \"EUR\", \"openingBalance\": 1}")
                .statusCode())
        .isEqualTo(201);
    intake.jdbc.update(
        "UPDATE admin_idempotency_keys SET expires_at = now() - interval '1 second' WHERE idempotency_key = ?",
        key);

    assertThat(intake.context.getBean(AdminActions.class).purgeExpiredKeys()).isPositive();

    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM admin_idempotency_keys WHERE idempotency_key = ?",
                Integer.class,
                key))
        .isZero();
    HttpResponse<String> again =
        admin.post(accounts, key, "{\"currency\": \"GBP\", \"openingBalance\": 2}");
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.headers().firstValue("Idempotent-Replay")).isEmpty();
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE client_id = ?", Integer.class, client.id()))
        .isEqualTo(2);
  }

  @Test
  void aRetriedClientCreationMakesOneClientAndNeverShowsItsKeyAgain() {
    String name = "Once Ltd " + UUID.randomUUID();
    String key = "create-" + UUID.randomUUID();
    HttpResponse<String> first = admin.post("/admin/clients", key, "{\"name\": \"" + name + "\"}");
    HttpResponse<String> retry = admin.post("/admin/clients", key, "{\"name\": \"" + name + "\"}");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(json(retry).get("id")).isEqualTo(json(first).get("id"));
    assertThat(json(retry).has("apiKey")).isFalse();
    String apiKey = json(first).get("apiKey").asString();
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM clients WHERE name = ?", Integer.class, name))
        .isEqualTo(1);
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM admin_idempotency_keys WHERE response_body LIKE ?",
                Integer.class,
                "%" + apiKey + "%"))
        .isZero();
  }

  @Test
  void auditsEveryAdminRequestWithWhoWhatWhenAndFromWhereAppendOnly() {
    String marker = "audited-" + UUID.randomUUID();
    IntakeHttp.Client client = admin.newClient(marker);
    HttpRequest named =
        admin
            .request("/admin/clients/" + client.id() + "/accounts")
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", marker)
            .header("Onceflow-Actor", "alice@ops")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"currency\": \"EUR\", \"openingBalance\": 5}"))
            .build();
    assertThat(IntakeHttp.send(named).statusCode()).isEqualTo(201);
    assertProblem(intake.http("forged").get("/admin/clients/" + client.id()), 401, "unauthorized");
    assertProblem(
        IntakeHttp.send(
            admin.request("/admin/clients").header("Onceflow-Actor", "bad actor!").GET().build()),
        400,
        "invalid-actor");

    List<Map<String, Object>> rows =
        intake.jdbc.queryForList(
            "SELECT * FROM admin_audit WHERE path LIKE ? OR idempotency_key = ? ORDER BY at",
            "%" + client.id() + "%",
            marker);
    assertThat(rows)
        .extracting(row -> row.get("method") + " " + row.get("status"))
        .containsExactly("POST 201", "GET 401");
    Map<String, Object> opening = rows.get(0);
    assertThat((String) opening.get("actor"))
        .startsWith("admin key ")
        .endsWith(" as alice@ops")
        .doesNotContain(TestIntake.ADMIN_KEY);
    assertThat((String) opening.get("outcome")).contains("opened account").contains("5 EUR");
    assertThat(opening.get("remote_address")).isEqualTo("127.0.0.1");
    assertThat(rows.get(1).get("actor")).isEqualTo("unauthenticated");
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM admin_audit WHERE status = 400 AND outcome LIKE '%Onceflow-Actor%'",
                Integer.class))
        .isPositive();
    assertThat(admin.get("/admin/audit?limit=100").body()).contains(marker);
    assertProblem(admin.get("/admin/audit?limit=0"), 400, "invalid-parameter");
    assertProblem(admin.get("/admin/audit?limit=101"), 400, "invalid-parameter");

    for (String change :
        List.of(
            "UPDATE admin_audit SET outcome = 'nothing'",
            "DELETE FROM admin_audit",
            "TRUNCATE admin_audit")) {
      assertThatThrownBy(() -> intake.jdbc.execute(change)).hasMessageContaining("append-only");
    }
    assertThatThrownBy(() -> intake.jdbc.execute("DELETE FROM ops_audit"))
        .hasMessageContaining("append-only");
  }

  @Test
  void refusesMissingOrWrongCredentialsWithProblems() {
    IntakeHttp.Client client = admin.newClient("not an admin");
    int clientsBefore = intake.jdbc.queryForObject("SELECT count(*) FROM clients", Integer.class);

    for (IntakeHttp caller :
        List.of(intake.http(null), intake.http("wrong"), intake.http(client.apiKey()))) {
      assertProblem(caller.get("/admin/clients"), 401, "unauthorized");
      assertProblem(caller.post("/admin/clients", "{\"name\": \"intruder\"}"), 401, "unauthorized");
      assertProblem(
          caller.post(
              "/admin/clients/" + client.id() + "/accounts",
              "{\"currency\": \"EUR\", \"openingBalance\": 1}"),
          401,
          "unauthorized");
    }
    assertThat(intake.http(null).get("/admin/clients").headers().firstValue("WWW-Authenticate"))
        .contains("Bearer");
    assertThat(intake.jdbc.queryForObject("SELECT count(*) FROM clients", Integer.class))
        .isEqualTo(clientsBefore);
  }

  @Test
  void clientsCannotOpenAccountsThroughTheClientApi() {
    IntakeHttp.Client client = admin.newClient("self-service");

    assertProblem(
        intake
            .http(client.apiKey())
            .undocumentedRequests()
            .post("/accounts", "{\"currency\": \"EUR\", \"openingBalance\": 1000000}"),
        405,
        "method-not-allowed");
    assertThat(json(intake.http(client.apiKey()).get("/accounts")).get("data")).isEmpty();
  }

  @Test
  void refusesEverythingWhenNoAdminKeyIsConfigured() {
    try (TestIntake unconfigured = TestIntake.start(SharedTestInfrastructure.postgres())) {
      for (IntakeHttp caller :
          List.of(
              unconfigured.http(null),
              unconfigured.http("anything"),
              unconfigured.http(TestIntake.ADMIN_KEY))) {
        assertProblem(caller.get("/admin/clients"), 401, "unauthorized");
        assertProblem(caller.post("/admin/clients", "{\"name\": \"x\"}"), 401, "unauthorized");
      }
      assertThat(
              IntakeHttp.json(unconfigured.http(null).get("/admin/clients"))
                  .get("detail")
                  .asString())
          .contains("disabled");
    }
  }
}

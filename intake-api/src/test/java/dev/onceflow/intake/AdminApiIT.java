package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.SharedTestInfrastructure;
import dev.onceflow.intake.client.ApiKeys;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
        intake.jdbc.queryForMap("SELECT * FROM clients WHERE id = ?", UUID.fromString(id));
    assertThat(row.get("api_key_hash")).isEqualTo(ApiKeys.hash(apiKey));
    assertThat(row.values()).noneMatch(value -> String.valueOf(value).contains(apiKey));
    JsonNode read = json(admin.get("/admin/clients/" + id));
    assertThat(read.has("apiKey")).isFalse();
    assertThat(read.get("name").asString()).isEqualTo("ACME Payroll");
    assertThat(intake.http(apiKey).get("/accounts").statusCode()).isEqualTo(200);
  }

  @Test
  void listsClientsWithoutTheirKeys() {
    IntakeHttp.Client client = admin.newClient("listed client");

    JsonNode clients = json(admin.get("/admin/clients"));

    assertThat(clients.isArray()).isTrue();
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
    assertThat(json(admin.get("/admin/clients/" + client.id() + "/accounts")))
        .extracting(account -> account.get("id").asString())
        .containsExactly(accountId);
  }

  @Test
  void refusesInvalidAccountsAndUnknownClientsAndStoresNothing() {
    IntakeHttp.Client client = admin.newClient("careful client");
    String accounts = "/admin/clients/" + client.id() + "/accounts";

    assertProblem(admin.post(accounts, "{\"currency\": \"EURO\", \"openingBalance\": 1}"), 400, "invalid-currency");
    assertProblem(admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalance\": -1}"), 400, "invalid-opening-balance");
    assertProblem(admin.post(accounts, "{\"currency\": \"EUR\"}"), 400, "invalid-opening-balance");
    assertProblem(admin.post(accounts, "{\"currency\": \"EUR\", \"openingBalance\": 1.5}"), 400, "malformed-body");
    assertProblem(
        admin.post("/admin/clients/" + UUID.randomUUID() + "/accounts", "{\"currency\": \"EUR\", \"openingBalance\": 1}"),
        404,
        "client-not-found");
    assertProblem(admin.post("/admin/clients", "{\"name\": \"  \"}"), 400, "invalid-client");

    assertThat(intake.jdbc.queryForObject(
            "SELECT count(*) FROM accounts WHERE client_id = ?", Integer.class, client.id()))
        .isZero();
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
          caller.post("/admin/clients/" + client.id() + "/accounts", "{\"currency\": \"EUR\", \"openingBalance\": 1}"),
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
        intake.http(client.apiKey()).post("/accounts", "{\"currency\": \"EUR\", \"openingBalance\": 1000000}"),
        405,
        "method-not-allowed");
    assertThat(json(intake.http(client.apiKey()).get("/accounts"))).isEmpty();
  }

  @Test
  void refusesEverythingWhenNoAdminKeyIsConfigured() {
    try (TestIntake unconfigured = TestIntake.start(SharedTestInfrastructure.postgres())) {
      for (IntakeHttp caller :
          List.of(unconfigured.http(null), unconfigured.http("anything"), unconfigured.http(TestIntake.ADMIN_KEY))) {
        assertProblem(caller.get("/admin/clients"), 401, "unauthorized");
        assertProblem(caller.post("/admin/clients", "{\"name\": \"x\"}"), 401, "unauthorized");
      }
      assertThat(IntakeHttp.json(unconfigured.http(null).get("/admin/clients")).get("detail").asString())
          .contains("disabled");
    }
  }
}

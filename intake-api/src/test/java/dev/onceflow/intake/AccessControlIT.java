package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.MoneyInvariant;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Who may do what, checked over HTTP on every endpoint the application maps (found from the
 * application itself, so a new endpoint is checked without a test change): nothing answers without
 * credentials, client keys and the admin key each open only their own API, and no client can read,
 * confirm, spend from or infer another client's transactions, keys or accounts.
 */
@ExtendWith(MoneyInvariant.class)
class AccessControlIT {

  private final TestIntake intake = TestIntake.shared();

  /** One mapped endpoint, with its path variables filled in. */
  private record Endpoint(String method, String path) {}

  @Test
  void noEndpointAnswersWithoutItsCredentials() {
    Client client = intake.admin().newClient("access control");
    List<Endpoint> endpoints = endpoints();
    assertThat(endpoints)
        .extracting(Endpoint::path)
        .anyMatch(p -> p.startsWith("/admin"))
        .anyMatch(p -> p.startsWith("/transactions"));

    for (Endpoint endpoint : endpoints) {
      boolean admin = endpoint.path().startsWith("/admin");
      List<String> refused =
          new ArrayList<>(
              List.of(
                  "", "Bearer ", "Bearer forged-" + UUID.randomUUID(), "Basic YWRtaW46YWRtaW4="));
      // Each API's key opens that API only.
      refused.add("Bearer " + (admin ? client.apiKey() : TestIntake.ADMIN_KEY));
      for (String authorization : refused) {
        HttpResponse<String> response = send(endpoint, authorization);
        assertProblem(response, 401, "unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
            .as("%s %s", endpoint, authorization)
            .contains("Bearer");
      }
    }
  }

  @Test
  void metricsAndOtherManagementEndpointsAreNotOnTheClientsPort() {
    for (String path :
        List.of(
            "/actuator/prometheus",
            "/actuator/metrics",
            "/actuator/env",
            "/actuator",
            "/nothing-here")) {
      assertThat(send(new Endpoint("GET", path), "").statusCode()).as(path).isEqualTo(401);
      assertThat(intake.http(intake.admin().newClient("curious").apiKey()).get(path).statusCode())
          .as(path)
          .isEqualTo(404);
    }
    HttpResponse<String> errorPage = send(new Endpoint("GET", "/error"), "");
    assertProblem(errorPage, 404, "not-found");
    String management =
        "http://localhost:" + intake.context.getEnvironment().getProperty("local.management.port");
    HttpResponse<String> health =
        IntakeHttp.send(
            HttpRequest.newBuilder(URI.create(management + "/actuator/health")).build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("UP");
  }

  @Test
  void aClientCannotReadConfirmSpendFromOrInferAnotherClientsTransactionsKeysAndAccounts() {
    Client alice = intake.admin().newClient("alice");
    Client mallory = intake.admin().newClient("mallory");
    UUID alicesAccount = intake.admin().openAccount(alice.id(), "EUR", 50_000);
    UUID mallorysAccount = intake.admin().openAccount(mallory.id(), "EUR", 50_000);
    IntakeHttp asAlice = intake.http(alice.apiKey());
    IntakeHttp asMallory = intake.http(mallory.apiKey());
    String alicesPayment = id(asAlice.submit("order-1", payment(alicesAccount, 1_000)));
    String alicesDraft = id(asAlice.draft("draft-1", payment(alicesAccount, 2_000)));
    String unknown = UUID.randomUUID().toString();

    // Reading, waiting on and confirming another's transaction answers exactly like an unknown id.
    assertSameAnswer(
        asMallory.get("/transactions/" + alicesPayment),
        asMallory.get("/transactions/" + unknown),
        404);
    assertSameAnswer(asMallory.await(alicesPayment, 1), asMallory.await(unknown, 1), 404);
    assertSameAnswer(asMallory.confirm(alicesDraft), asMallory.confirm(unknown), 404);
    assertThat(IntakeHttp.state(asAlice.get("/transactions/" + alicesDraft))).isEqualTo("DRAFT");
    // Keys are per client: another's key finds nothing, and reusing it makes one's own transaction.
    assertSameAnswer(
        asMallory.get("/transactions?idempotencyKey=order-1"),
        asMallory.get("/transactions?idempotencyKey=order-unknown"),
        200);
    assertThat(asMallory.get("/transactions").body()).doesNotContain(alicesPayment);
    HttpResponse<String> ownWithSameKey =
        asMallory.submit("order-1", payment(mallorysAccount, 1_000));
    assertThat(ownWithSameKey.statusCode()).isEqualTo(202);
    assertThat(id(ownWithSameKey)).isNotEqualTo(alicesPayment);
    assertThat(ownWithSameKey.headers().firstValue("Idempotent-Replay")).isEmpty();
    // Accounts: not readable, not listed, not spendable, and indistinguishable from unknown ones.
    assertSameAnswer(
        asMallory.get("/accounts/" + alicesAccount), asMallory.get("/accounts/" + unknown), 404);
    assertThat(asMallory.get("/accounts").body()).doesNotContain(alicesAccount.toString());
    HttpResponse<String> spend = asMallory.submit("steal", payment(alicesAccount, 1_000));
    assertSameAnswer(
        spend, asMallory.submit("steal-2", payment(UUID.fromString(unknown), 1_000)), 404);
    assertThat(json(asAlice.get("/accounts/" + alicesAccount)).get("reserved").asLong())
        .isEqualTo(1_000);
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM transactions WHERE client_id = ?", Long.class, mallory.id()))
        .isEqualTo(1);
  }

  /** Same status and problem type, so the answer tells nothing about whose the resource is. */
  private static void assertSameAnswer(
      HttpResponse<String> others, HttpResponse<String> unknown, int status) {
    assertThat(others.statusCode()).as(others.body()).isEqualTo(status);
    assertThat(unknown.statusCode()).isEqualTo(status);
    assertThat(json(others).path("type").asString())
        .isEqualTo(json(unknown).path("type").asString());
    assertThat(json(others).path("title").asString())
        .isEqualTo(json(unknown).path("title").asString());
  }

  private List<Endpoint> endpoints() {
    RequestMappingHandlerMapping mapping =
        intake.context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
    List<Endpoint> endpoints = new ArrayList<>();
    for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
      List<String> methods =
          info.getMethodsCondition().getMethods().stream().map(RequestMethod::name).toList();
      String query =
          info.getParamsCondition().getExpressions().stream()
              .map(expression -> expression.getName() + "=x")
              .reduce((a, b) -> a + "&" + b)
              .map(q -> "?" + q)
              .orElse("");
      // The container's error page answers a direct request with a 404 problem (checked below).
      for (String pattern :
          info.getPatternValues().stream().filter(p -> !p.equals("/error")).toList()) {
        String path = pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString()) + query;
        for (String method : methods.isEmpty() ? List.of("GET") : methods) {
          endpoints.add(new Endpoint(method, path));
        }
      }
    }
    return endpoints;
  }

  private HttpResponse<String> send(Endpoint endpoint, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(intake.baseUrl + endpoint.path()))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "access-" + UUID.randomUUID())
            .method(endpoint.method(), HttpRequest.BodyPublishers.ofString("{}"));
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }
    return IntakeHttp.send(request.build());
  }
}

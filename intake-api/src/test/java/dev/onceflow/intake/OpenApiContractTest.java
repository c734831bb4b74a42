package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.testing.OpenApiContract;
import dev.onceflow.testing.OpenApiContract.Undocumented;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The response check refuses what the document does not say, and passes what it does. */
class OpenApiContractTest {

  private static final String ID = "7d0c3f8e-2b1a-4c5d-9e6f-0a1b2c3d4e5f";
  private static final String ACCOUNT =
      """
      {"id": "%s", "clientId": "%s", "currency": "EUR", "openingBalance": 100, "balance": 100,
       "reserved": 0, "available": 100, "createdAt": "2026-12-01T10:00:00Z",
       "updatedAt": "2026-12-01T10:00:00Z"}
      """
          .formatted(ID, ID);
  private static final String PROBLEM =
      """
      {"type": "https://onceflow.dev/problems/not-found", "title": "Not Found", "status": 404,
       "detail": "No such thing here."}
      """;

  @Test
  void passesADocumentedAnswer() {
    assertThatCode(() -> check("GET", "/accounts/" + ID, 200, "application/json", ACCOUNT))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAnUndocumentedStatus() {
    assertThatThrownBy(
            () -> check("GET", "/accounts/" + ID, 409, "application/problem+json", PROBLEM))
        .hasMessageContaining("status 409 is not documented for getAccount");
  }

  @Test
  void refusesAnUndocumentedMediaType() {
    assertThatThrownBy(() -> check("GET", "/accounts/" + ID, 200, "text/plain", ACCOUNT))
        .hasMessageContaining("Content-Type 'text/plain' is not documented");
  }

  @Test
  void refusesABodyMissingARequiredPropertyOrWithAWrongType() {
    assertThatThrownBy(
            () ->
                check(
                    "GET",
                    "/accounts/" + ID,
                    200,
                    "application/json",
                    ACCOUNT.replace("\"balance\": 100,", "").replace("\"EUR\"", "978")))
        .hasMessageContaining("balance")
        .hasMessageContaining("currency");
  }

  @Test
  void refusesAnUndocumentedPropertyAndABadFormat() {
    assertThatThrownBy(
            () ->
                check(
                    "GET",
                    "/accounts/" + ID,
                    200,
                    "application/json",
                    ACCOUNT
                        .replace("\"reserved\"", "\"secret\": 1, \"reserved\"")
                        .replace("2026-12-01T10:00:00Z", "yesterday")))
        .hasMessageContaining("secret")
        .hasMessageContaining("createdAt");
  }

  @Test
  void refusesAnAnswerWithoutADocumentedRequiredHeader() {
    String unauthorized = PROBLEM.replace("404", "401").replace("not-found", "unauthorized");
    assertThatThrownBy(
            () -> check("GET", "/accounts", 401, "application/problem+json", unauthorized))
        .hasMessageContaining("the required header WWW-Authenticate is missing");
  }

  @Test
  void refusesAnUndocumentedMethodUnlessItIsSentOnPurposeAndGetsAProblem() {
    String notAllowed = PROBLEM.replace("404", "405").replace("not-found", "method-not-allowed");
    assertThatThrownBy(
            () -> check("DELETE", "/accounts", 405, "application/problem+json", notAllowed))
        .hasMessageContaining("DELETE /accounts is not documented");
    assertThatCode(
            () ->
                OpenApiContract.check(
                    "DELETE",
                    "/accounts",
                    405,
                    headers("application/problem+json"),
                    notAllowed,
                    Undocumented.GETS_A_PROBLEM))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                OpenApiContract.check(
                    "DELETE",
                    "/accounts",
                    405,
                    headers("text/html"),
                    "<h1>405</h1>",
                    Undocumented.GETS_A_PROBLEM))
        .hasMessageContaining("must get application/problem+json");
  }

  @Test
  void holdsAnUnknownPathsAnswerToTheProblemSchema() {
    assertThatCode(() -> check("GET", "/nowhere", 404, "application/problem+json", PROBLEM))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                check(
                    "GET",
                    "/nowhere",
                    404,
                    "application/problem+json",
                    PROBLEM.replace("\"detail\": \"No such thing here.\"", "\"x\": 1")))
        .hasMessageContaining("detail");
  }

  @Test
  void showsAWebhookSecretOnlyInTheRegistrationAnswer() {
    String endpoint =
        """
        {"id": "%s", "url": "https://example.com/hook", "eventTypes": [],
         "createdAt": "2026-12-01T10:00:00Z"%s}
        """;
    String secret = ", \"secret\": \"whsec_" + "a".repeat(43) + "\"";
    Function<String, Optional<String>> created = headers("application/json");
    Function<String, Optional<String>> withLocation =
        name ->
            name.equalsIgnoreCase("Location")
                ? Optional.of("/webhook-endpoints/" + ID)
                : created.apply(name);
    assertThatCode(
            () ->
                OpenApiContract.check(
                    "POST",
                    "/webhook-endpoints",
                    201,
                    withLocation,
                    endpoint.formatted(ID, secret),
                    Undocumented.FAILS))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                check(
                    "GET",
                    "/webhook-endpoints/" + ID,
                    200,
                    "application/json",
                    endpoint.formatted(ID, "")))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                check(
                    "GET",
                    "/webhook-endpoints/" + ID,
                    200,
                    "application/json",
                    endpoint.formatted(ID, secret)))
        .hasMessageContaining("secret");
  }

  private static void check(String method, String path, int status, String type, String body) {
    OpenApiContract.check(method, path, status, headers(type), body, Undocumented.FAILS);
  }

  private static Function<String, Optional<String>> headers(String contentType) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.put("Content-Type", contentType);
    return name -> Optional.ofNullable(headers.get(name));
  }
}

package dev.onceflow.system;

import dev.onceflow.local.LocalStack;
import dev.onceflow.testing.OpenApiContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A client of Onceflow's intake API and of the bank simulator's ledger, over real HTTP. */
final class OnceflowApi {

  static final String IBAN = "DE89370400440532013000";

  /**
   * Intake's per-client rate, lifted for tests that drive one client (the demo client) as hard as
   * the pipeline goes: they measure the pipeline, and the limits have tests of their own.
   */
  static final String UNLIMITED_RATE = "--onceflow.intake.limits.requests-per-second=1000000";

  static final String UNLIMITED_BURST = "--onceflow.intake.limits.burst=1000000";

  /** The admin key the system tests start intake with (as strong as intake requires). */
  static final String ADMIN_KEY = "system-tests-admin-Hq7Zr2Mv9Kx4Pw1Nb8Tc3Ld6Fy0Js5G";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private final String intakeUrl;
  private final String bankUrl;
  private final String apiKey;
  private final String adminKey;

  /** For intakes started with {@link #ADMIN_KEY}. */
  OnceflowApi(String intakeUrl, String bankUrl, String apiKey) {
    this(intakeUrl, bankUrl, apiKey, ADMIN_KEY);
  }

  /** For a local stack: its admin key is its own ({@link LocalStack#adminApiKey()}). */
  OnceflowApi(LocalStack stack) {
    this(stack.intakeUrl(), stack.bankUrl(), LocalStack.DEMO_API_KEY, stack.adminApiKey());
  }

  private OnceflowApi(String intakeUrl, String bankUrl, String apiKey, String adminKey) {
    this.intakeUrl = intakeUrl;
    this.bankUrl = bankUrl;
    this.apiKey = apiKey;
    this.adminKey = adminKey;
  }

  /**
   * Opens an account for the demo client ({@link LocalStack#DEMO_CLIENT_ID}, whose key is {@link
   * LocalStack#DEMO_API_KEY}) through the admin API, with the admin key, and returns its id.
   * Clients cannot open accounts themselves.
   */
  UUID openAccount(String currency, long openingBalance) throws IOException, InterruptedException {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        intakeUrl + "/admin/clients/" + LocalStack.DEMO_CLIENT_ID + "/accounts"))
                .header("Authorization", "Bearer " + adminKey)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "open-" + UUID.randomUUID())
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"currency\":\"%s\",\"openingBalance\":%d}"
                            .formatted(currency, openingBalance)))
                .build());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "cannot open an account: " + response.statusCode() + " " + response.body());
    }
    return UUID.fromString(json(response).get("id").asString());
  }

  JsonNode account(UUID id) throws IOException, InterruptedException {
    return json(send(authorized(URI.create(intakeUrl + "/accounts/" + id)).GET().build()));
  }

  static String payment(UUID accountId, long amount, String currency) {
    return payment(accountId, amount, currency, IBAN, "system test");
  }

  static String payment(
      UUID accountId, long amount, String currency, String iban, String reference) {
    return """
        {"accountId": "%s", "amount": %d, "currency": "%s",
         "creditor": {"name": "ACME GmbH", "iban": "%s"}, "reference": "%s"}
        """
        .formatted(accountId, amount, currency, iban, reference);
  }

  HttpResponse<String> submit(String idempotencyKey, String body)
      throws IOException, InterruptedException {
    return send(submission(idempotencyKey, body).build());
  }

  /** {@link #submit} as part of the client's trace: W3C {@code traceparent} header. */
  HttpResponse<String> submit(String idempotencyKey, String body, String traceparent)
      throws IOException, InterruptedException {
    return send(submission(idempotencyKey, body).header("traceparent", traceparent).build());
  }

  private HttpRequest.Builder submission(String idempotencyKey, String body) {
    HttpRequest.Builder request =
        authorized(URI.create(intakeUrl + "/transactions"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return request;
  }

  JsonNode transaction(String id) throws IOException, InterruptedException {
    return json(send(authorized(URI.create(intakeUrl + "/transactions/" + id)).GET().build()));
  }

  HttpResponse<String> cancel(String id) throws IOException, InterruptedException {
    return send(
        authorized(URI.create(intakeUrl + "/transactions/" + id + "/cancel"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  /** A draft (step one of the two-step flow), without an Idempotency-Key. */
  HttpResponse<String> draft(String body) throws IOException, InterruptedException {
    return post("/transactions/drafts", body);
  }

  /** A client API POST with a JSON body. */
  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(
        authorized(URI.create(intakeUrl + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(authorized(URI.create(intakeUrl + path)).GET().build());
  }

  /** The bank's payments whose end-to-end reference names this transaction. */
  List<JsonNode> bankPaymentsFor(String transactionId) throws IOException, InterruptedException {
    List<JsonNode> payments = new ArrayList<>();
    for (JsonNode payment : ledger()) {
      if (transactionId.equals(payment.get("endToEndReference").asString())) {
        payments.add(payment);
      }
    }
    return payments;
  }

  JsonNode ledger() throws IOException, InterruptedException {
    return json(send(HttpRequest.newBuilder(URI.create(bankUrl + "/payments")).GET().build()));
  }

  /** {@code PUT /faults} on the bank simulator: the faults in force from now on. */
  HttpResponse<String> putFaults(String faults) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(bankUrl + "/faults"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(faults))
            .build());
  }

  JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }

  JsonNode json(String body) {
    return json.readTree(body);
  }

  private HttpRequest.Builder authorized(URI uri) {
    return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + apiKey);
  }

  /** Sends; every answer of the intake is held to its OpenAPI document. */
  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    String uri = request.uri().toString();
    if (uri.startsWith(intakeUrl + "/")) {
      OpenApiContract.check(
          request.method(),
          uri.substring(intakeUrl.length()),
          response.statusCode(),
          name -> response.headers().firstValue(name),
          response.body(),
          OpenApiContract.Undocumented.FAILS);
    }
    return response;
  }

  /** {@link #send} for lambdas that may not throw checked exceptions. */
  JsonNode transactionUnchecked(String id) {
    try {
      return transaction(id);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

package dev.onceflow.intake;

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
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of a running intake-api over real HTTP, authenticated with one key. Every response it
 * receives is checked against the OpenAPI document ({@link OpenApiContract}).
 */
final class IntakeHttp {

  static final String IBAN = "DE89370400440532013000";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String baseUrl;
  private final String key;
  private final OpenApiContract.Undocumented undocumented;

  IntakeHttp(String baseUrl, String key) {
    this(baseUrl, key, OpenApiContract.Undocumented.FAILS);
  }

  private IntakeHttp(String baseUrl, String key, OpenApiContract.Undocumented undocumented) {
    this.baseUrl = baseUrl;
    this.key = key;
    this.undocumented = undocumented;
  }

  /**
   * The same client for a test that sends an undocumented request on purpose: its answer must still
   * be a documented problem.
   */
  IntakeHttp undocumentedRequests() {
    return new IntakeHttp(baseUrl, key, OpenApiContract.Undocumented.GETS_A_PROBLEM);
  }

  /** A client registered through the admin API, with its API key. */
  record Client(UUID id, String apiKey) {}

  static String payment(UUID account, long amount) {
    return payment(account, amount, "EUR");
  }

  static String payment(UUID account, long amount, String currency) {
    return """
        {"accountId": "%s", "amount": %d, "currency": "%s",
         "creditor": {"name": "ACME GmbH", "iban": "%s"}, "reference": "invoice 42"}
        """
        .formatted(account, amount, currency, IBAN);
  }

  // --- admin API (this instance must hold the admin key) ---

  Client newClient(String name) {
    HttpResponse<String> created = post("/admin/clients", "{\"name\": \"" + name + "\"}");
    require(created, 201);
    JsonNode body = json(created);
    return new Client(UUID.fromString(body.get("id").asString()), body.get("apiKey").asString());
  }

  UUID openAccount(UUID clientId, String currency, long openingBalance) {
    HttpResponse<String> opened =
        post(
            "/admin/clients/" + clientId + "/accounts",
            "{\"currency\": \"%s\", \"openingBalance\": %d}".formatted(currency, openingBalance));
    require(opened, 201);
    return UUID.fromString(json(opened).get("id").asString());
  }

  // --- client API ---

  HttpResponse<String> submit(String idempotencyKey, String body) {
    HttpRequest.Builder request =
        request("/transactions").header("Content-Type", "application/json");
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return exchange(request.POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> draft(String idempotencyKey, String body) {
    HttpRequest.Builder request =
        request("/transactions/drafts").header("Content-Type", "application/json");
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return exchange(request.POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> confirm(String transactionId) {
    return exchange(
        request("/transactions/" + transactionId + "/confirm")
            .PUT(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  /** Every item of a paged list, following {@code nextCursor} from the first page to the last. */
  List<JsonNode> all(String path) {
    List<JsonNode> items = new ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<String> page =
          get(cursor == null ? path : path + (path.contains("?") ? "&" : "?") + "after=" + cursor);
      require(page, 200);
      JsonNode body = json(page);
      body.get("data").forEach(items::add);
      cursor = body.get("nextCursor").isNull() ? null : body.get("nextCursor").asString();
    } while (cursor != null);
    return items;
  }

  HttpResponse<String> get(String path) {
    return exchange(request(path).GET().build());
  }

  /** A POST with a fresh Idempotency-Key. */
  HttpResponse<String> cancel(String transactionId) {
    return exchange(
        request("/transactions/" + transactionId + "/cancel")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  HttpResponse<String> post(String path, String body) {
    return post(path, "it-" + UUID.randomUUID(), body);
  }

  HttpResponse<String> post(String path, String idempotencyKey, String body) {
    HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return exchange(request.POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> delete(String path) {
    return exchange(request(path).DELETE().build());
  }

  /** A GET with {@code Prefer: wait=N}. */
  HttpResponse<String> await(String transactionId, int seconds) {
    return exchange(
        request("/transactions/" + transactionId)
            .header("Prefer", "wait=" + seconds)
            .timeout(Duration.ofSeconds(seconds + 30L))
            .GET()
            .build());
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request;
  }

  private HttpResponse<String> exchange(HttpRequest request) {
    return checked(sent(request), undocumented);
  }

  /** Sends a request built by a test; the answer must be documented. */
  static HttpResponse<String> send(HttpRequest request) {
    return checked(sent(request), OpenApiContract.Undocumented.FAILS);
  }

  /** {@code http.sendAsync}, with the answer checked when it arrives. */
  static CompletableFuture<HttpResponse<String>> sendAsync(HttpClient http, HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> checked(response, OpenApiContract.Undocumented.FAILS));
  }

  private static HttpResponse<String> checked(
      HttpResponse<String> response, OpenApiContract.Undocumented undocumented) {
    HttpRequest request = response.request();
    String target = request.uri().getRawPath();
    if (request.uri().getRawQuery() != null) {
      target += "?" + request.uri().getRawQuery();
    }
    OpenApiContract.check(
        request.method(),
        target,
        response.statusCode(),
        response.headers()::firstValue,
        response.body(),
        undocumented);
    return response;
  }

  private static HttpResponse<String> sent(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  static String id(HttpResponse<String> response) {
    return json(response).get("id").asString();
  }

  static String state(HttpResponse<String> response) {
    return json(response).get("state").asString();
  }

  private static void require(HttpResponse<String> response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          "expected " + status + " but got " + response.statusCode() + ": " + response.body());
    }
  }
}

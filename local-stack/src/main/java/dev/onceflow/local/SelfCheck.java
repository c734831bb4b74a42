package dev.onceflow.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --self-check}: one demo payment through the whole stack (intake, relay, Kafka, worker,
 * bank simulator), as a client would make it, and the console's login page, to tell a new
 * installation works. The build runs it too, to record which classes a start loads (the class-data
 * archive the run command uses).
 */
final class SelfCheck {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private final LocalStack stack;

  private SelfCheck(LocalStack stack) {
    this.stack = stack;
  }

  /**
   * Starts the stack, pays, stops; returns the process exit code (0 when the payment completed).
   */
  static int run(LocalStackOptions options) {
    long started = System.nanoTime();
    try {
      LocalStack stack;
      try {
        stack = LocalStack.start(options);
      } catch (Exception e) {
        System.err.println(
            "onceflow-local: self-check failed: the stack did not start: " + e.getMessage());
        return 1;
      }
      try (stack) {
        long ready = (System.nanoTime() - started) / 1_000_000;
        SelfCheck check = new SelfCheck(stack);
        String outcome = check.pay();
        String console = check.console();
        System.out.printf(
            "onceflow-local: self-check passed: ready in %d ms, %s; %s%n", ready, outcome, console);
        return 0;
      } catch (Exception e) {
        System.err.println("onceflow-local: self-check failed: " + e.getMessage());
        return 1;
      }
    } finally {
      deleteIfOwn(options.dataDirectory());
    }
  }

  /** Submits one payment from the first demo account and waits for it to complete. */
  private String pay() throws IOException, InterruptedException {
    JsonNode accounts = stack.demoAccounts();
    if (accounts.isEmpty()) {
      throw new IllegalStateException("the demo client has no account");
    }
    JsonNode account = accounts.get(0);
    String payment =
        """
        {"accountId":"%s","amount":100,"currency":"%s",
         "creditor":{"name":"Self-check","iban":"DE89370400440532013000"},"reference":"self-check"}"""
            .formatted(account.get("id").asString(), account.get("currency").asString());
    long submitted = System.nanoTime();
    HttpResponse<String> accepted =
        send(
            request("/transactions")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "self-check-" + UUID.randomUUID())
                .POST(HttpRequest.BodyPublishers.ofString(payment)));
    if (accepted.statusCode() != 202) {
      throw new IllegalStateException(
          "POST /transactions answered " + accepted.statusCode() + ": " + accepted.body());
    }
    String id = json.readTree(accepted.body()).get("id").asString();
    long deadline = submitted + LIMIT.toNanos();
    String state = "PENDING";
    while (System.nanoTime() < deadline) {
      JsonNode transaction =
          json.readTree(send(request("/transactions/" + id).header("Prefer", "wait=10")).body());
      state = transaction.get("state").asString();
      if (state.equals("COMPLETED")) {
        return "payment %s COMPLETED %d ms after it was submitted"
            .formatted(id, (System.nanoTime() - submitted) / 1_000_000);
      }
      if (state.equals("FAILED")) {
        throw new IllegalStateException("payment " + id + " FAILED: " + transaction);
      }
    }
    throw new IllegalStateException(
        "payment " + id + " still " + state + " after " + LIMIT.toSeconds() + " s");
  }

  /** The console is healthy (it reaches the database) and serves its login page. */
  private String console() throws IOException, InterruptedException {
    HttpResponse<String> health =
        send(
            HttpRequest.newBuilder(URI.create(stack.consoleUrl() + "/actuator/health"))
                .timeout(Duration.ofSeconds(20)));
    if (health.statusCode() != 200
        || !json.readTree(health.body()).path("status").asString().equals("UP")) {
      throw new IllegalStateException(
          "the console's /actuator/health answered " + health.statusCode() + ": " + health.body());
    }
    HttpResponse<String> login =
        send(
            HttpRequest.newBuilder(URI.create(stack.consoleUrl() + "/login"))
                .timeout(Duration.ofSeconds(20)));
    if (login.statusCode() != 200) {
      throw new IllegalStateException("the console's /login answered " + login.statusCode());
    }
    return "the console UP with its login page";
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(stack.intakeUrl() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + LocalStack.DEMO_API_KEY);
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Deletes the temporary data directory the options chose for the check, never one a user named.
   */
  private static void deleteIfOwn(Path dataDirectory) {
    Path temporary = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    boolean own =
        temporary.equals(dataDirectory.getParent())
            && dataDirectory
                .getFileName()
                .toString()
                .startsWith(LocalStackOptions.SELF_CHECK_DIRECTORY_PREFIX);
    if (!own) {
      return;
    }
    try {
      LocalStack.wipe(dataDirectory);
    } catch (IOException e) {
      System.err.println(
          "onceflow-local: could not delete " + dataDirectory + ": " + e.getMessage());
    }
  }
}

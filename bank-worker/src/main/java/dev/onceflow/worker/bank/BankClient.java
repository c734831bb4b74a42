package dev.onceflow.worker.bank;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls the bank. Never throws: every call ends in a {@link PaymentResult} or a {@link
 * LookupResult}, and anything the worker cannot read as a definitive answer is an unknown outcome.
 */
@Component
public class BankClient {

  static final String SETTLED = "SETTLED";
  static final String DECLINED = "DECLINED";

  /** Accepted, not yet settled (ISO 20022's ACSP): only a later lookup tells the outcome. */
  static final String PENDING = "PENDING";

  private static final Logger log = LoggerFactory.getLogger(BankClient.class);
  private static final String KEY_REUSED_TYPE_SUFFIX = "/idempotency-key-reused";

  /** The cause of a call aborted at its deadline. */
  static final String DEADLINE = "deadline";

  private final RestClient rest;
  private final CallDeadlines deadlines;
  private final JsonMapper json;
  private final Clock clock;
  private final MeterRegistry meters;
  private final int maxAnswerBytes;

  BankClient(
      RestClient bankRestClient,
      CallDeadlines deadlines,
      JsonMapper json,
      Clock clock,
      MeterRegistry meters,
      BankProperties properties) {
    this.rest = bankRestClient;
    this.maxAnswerBytes =
        (int) Math.min(Integer.MAX_VALUE - 1, properties.maxAnswerSize().toBytes());
    this.deadlines = deadlines;
    this.json = json;
    this.clock = clock;
    this.meters = meters;
  }

  /**
   * {@code POST /payments} with the order's idempotency key, aborted if it has not ended by {@code
   * abortAt}: then, as for any call that did not end in a readable answer, the outcome is unknown.
   */
  public PaymentResult pay(PaymentOrder order, Instant abortAt) {
    Timer.Sample sample = Timer.start(meters);
    PaymentResult result;
    CallDeadlines.Call call = deadlines.open(abortAt);
    try (call) {
      String body = json.writeValueAsString(order.request());
      result =
          rest.post()
              .uri("/payments")
              .header("Idempotency-Key", order.idempotencyKey())
              .contentType(MediaType.APPLICATION_JSON)
              .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
              .body(body)
              .exchange((request, response) -> paymentResult(response), true);
    } catch (RuntimeException e) {
      // RestClientException for I/O; anything else (a lease cancelled at the deadline surfaces as
      // one from the connection pool) is no answer either.
      result =
          new PaymentResult.Unknown(
              call.expired() ? DEADLINE : causeOf(e), String.valueOf(e.getMessage()), null);
    }
    sample.stop(callTimer("pay", result.outcomeClass()));
    return result;
  }

  /**
   * {@code GET /payments?idempotencyKey=}: does the bank hold a payment for this key? Aborted like
   * a payment call at {@code abortAt}.
   */
  public LookupResult lookup(String idempotencyKey, Instant abortAt) {
    Timer.Sample sample = Timer.start(meters);
    LookupResult result;
    CallDeadlines.Call call = deadlines.open(abortAt);
    try (call) {
      result =
          rest.get()
              .uri(
                  uri -> uri.path("/payments").queryParam("idempotencyKey", idempotencyKey).build())
              .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
              .exchange((request, response) -> lookupResult(response), true);
    } catch (RuntimeException e) {
      result =
          new LookupResult.Unreachable(
              (call.expired() ? DEADLINE : causeOf(e)) + ": " + e.getMessage());
    }
    sample.stop(callTimer("lookup", result.outcomeClass()));
    return result;
  }

  private PaymentResult paymentResult(ClientHttpResponse response) throws IOException {
    int status = response.getStatusCode().value();
    byte[] body = readAtMost(response);
    if (body == null) {
      return new PaymentResult.Unknown(
          "answer-too-large",
          "HTTP " + status + " with an answer over " + maxAnswerBytes + " bytes",
          null,
          status);
    }
    if (status >= 200 && status < 300) {
      JsonNode payment = readTree(body);
      String paymentId = text(payment, "paymentId");
      String paymentStatus = text(payment, "status");
      if (paymentId == null) {
        return new PaymentResult.Unknown(
            "unreadable-answer", "HTTP " + status + " without a paymentId", null, status);
      }
      if (SETTLED.equals(paymentStatus)) {
        return new PaymentResult.Settled(paymentId, status);
      }
      if (DECLINED.equals(paymentStatus)) {
        return new PaymentResult.Declined(
            status, orDefault(text(payment, "declineReason"), "declined"));
      }
      if (PENDING.equals(paymentStatus)) {
        return new PaymentResult.Accepted(paymentId, status);
      }
      // No status, or one this client does not know: the bank holds *a* payment, in a state that
      // proves neither settlement nor refusal.
      return new PaymentResult.Unknown(
          "unexpected-status",
          "HTTP " + status + " with payment status " + paymentStatus,
          null,
          status);
    }
    if (status == 408 || status == 409 || status == 429 || status >= 500) {
      String cause =
          status == 429 ? "throttled" : status >= 500 ? "server-error" : "http-" + status;
      return new PaymentResult.Unknown(
          cause, "HTTP " + status, retryAfter(response.getHeaders()), status);
    }
    if (status >= 400) {
      JsonNode problem = readTree(body);
      String type = text(problem, "type");
      String detail =
          orDefault(text(problem, "detail"), orDefault(text(problem, "title"), "HTTP " + status));
      if (type != null && type.endsWith(KEY_REUSED_TYPE_SUFFIX)) {
        // The body is built only from the immutable row, so this is a bug somewhere; the bank
        // holds *a* payment for the key, and a FAILED here could hide a settled one.
        log.error("The bank refused a stored key as used for another payment: {}", detail);
        return new PaymentResult.Unknown("key-reused", detail, null, status);
      }
      return new PaymentResult.Declined(status, detail);
    }
    return new PaymentResult.Unknown("unexpected-http-status", "HTTP " + status, null, status);
  }

  private LookupResult lookupResult(ClientHttpResponse response) throws IOException {
    int status = response.getStatusCode().value();
    byte[] body = readAtMost(response);
    if (body == null) {
      return new LookupResult.Unreachable(
          "HTTP " + status + " with an answer over " + maxAnswerBytes + " bytes", status);
    }
    if (status == 200) {
      JsonNode payment = readTree(body);
      String paymentId = text(payment, "paymentId");
      if (paymentId == null) {
        return new LookupResult.Unreachable("HTTP 200 without a paymentId", status);
      }
      return new LookupResult.Found(
          paymentId, text(payment, "status"), text(payment, "declineReason"));
    }
    MediaType contentType = response.getHeaders().getContentType();
    // Only the bank's own JSON answer proves the absence; a 404 page from a proxy or a wrong
    // base URL must not lead to FAILED while the bank may hold the payment.
    if (status == 404
        && contentType != null
        && (contentType.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
            || contentType.isCompatibleWith(MediaType.APPLICATION_JSON))) {
      return new LookupResult.NotFound();
    }
    return new LookupResult.Unreachable("HTTP " + status, status);
  }

  /** The answer's body, or null if it is larger than the cap: it is not read into memory. */
  private byte[] readAtMost(ClientHttpResponse response) throws IOException {
    byte[] body = response.getBody().readNBytes(maxAnswerBytes + 1);
    return body.length > maxAnswerBytes ? null : body;
  }

  private Duration retryAfter(HttpHeaders headers) {
    String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
    if (value == null || value.isBlank()) {
      return null;
    }
    String trimmed = value.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(trimmed)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration wait = Duration.between(clock.instant(), at.toInstant());
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        log.debug("Ignoring unreadable Retry-After: {}", trimmed);
        return null;
      }
    }
  }

  private JsonNode readTree(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      return json.readTree(body);
    } catch (JacksonException e) {
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String causeOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      // Connect and read timeouts (java.net's, and Apache HttpClient's ConnectTimeoutException).
      if (t instanceof InterruptedIOException) {
        return "timeout";
      }
      if (t instanceof ConnectException) {
        return "connect";
      }
      if (t instanceof IOException) {
        return "io";
      }
    }
    return "client-error";
  }

  private Timer callTimer(String operation, String outcome) {
    return Timer.builder("onceflow.bank.calls")
        .description("Calls to the bank API, by operation and outcome class")
        .tag("operation", operation)
        .tag("outcome", outcome)
        .register(meters);
  }
}

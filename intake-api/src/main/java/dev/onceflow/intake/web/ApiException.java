package dev.onceflow.intake.web;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.springframework.http.HttpStatus;

/** A refusal the client can act on; rendered as application/problem+json with a stable type. */
public class ApiException extends RuntimeException {

  /** Every problem type is this base plus a short, stable name. */
  public static final String TYPE_BASE = "https://onceflow.dev/problems/";

  /**
   * The problem type named after an HTTP status (404 is {@code not-found}), for answers that have
   * no more specific type; a status without a name is {@code http-<code>}.
   */
  static String statusTypeName(int code) {
    HttpStatus status = HttpStatus.resolve(code);
    return status == null ? "http-" + code : status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private final HttpStatus status;
  private final URI type;
  private final String title;
  private final Long retryAfterSeconds;

  public ApiException(HttpStatus status, String type, String title, String detail) {
    this(status, type, title, detail, null);
  }

  private ApiException(HttpStatus status, String type, String title, String detail, Long retryAfterSeconds) {
    // A refusal, not a fault: no stack trace to fill (a flood of 429s must stay cheap to refuse).
    super(detail, null, false, false);
    this.status = status;
    this.type = URI.create(TYPE_BASE + type);
    this.title = title;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 429: the caller sent more than it may; Retry-After says when the next request is allowed. */
  public static ApiException tooManyRequests(String type, String detail, long retryAfterSeconds) {
    return new ApiException(
        HttpStatus.TOO_MANY_REQUESTS, type, "Too many requests", detail, Math.max(1, retryAfterSeconds));
  }

  /** 503 for an overloaded service, with when to come back. */
  public static ApiException overloaded(String detail, long retryAfterSeconds) {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE, "overloaded", "Service overloaded", detail, Math.max(1, retryAfterSeconds));
  }

  public static ApiException badRequest(String type, String title, String detail) {
    return new ApiException(HttpStatus.BAD_REQUEST, type, title, detail);
  }

  public static ApiException unauthorized(String detail) {
    return new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail);
  }

  public static ApiException notFound(String type, String detail) {
    return new ApiException(HttpStatus.NOT_FOUND, type, "Not found", detail);
  }

  public static ApiException unprocessable(String type, String title, String detail) {
    return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, type, title, detail);
  }

  public static ApiException bodyTooLarge(long maxBytes) {
    return new ApiException(
        HttpStatus.CONTENT_TOO_LARGE,
        "body-too-large",
        "Request body too large",
        "The request body may be at most " + maxBytes + " bytes; nothing was stored.");
  }

  public HttpStatus status() {
    return status;
  }

  public URI type() {
    return type;
  }

  public String title() {
    return title;
  }

  /** Seconds the client should wait before retrying, when the refusal says. */
  public Optional<Long> retryAfterSeconds() {
    return Optional.ofNullable(retryAfterSeconds);
  }
}

package dev.onceflow.intake.refusal;

import java.util.Optional;

/**
 * A request intake refuses for a reason the client can act on; nothing was changed. Thrown by the
 * domain (accounts, clients, payments, admin), answered by the web layer as
 * application/problem+json whose status follows the {@link Kind} and whose type is {@link #type()}.
 */
public class Refusal extends RuntimeException {

  /** What kind of refusal it is, which decides the HTTP status. */
  public enum Kind {
    /** The request itself is malformed (400). */
    INVALID,
    /** No valid credentials (401). */
    UNAUTHENTICATED,
    /** What it names does not exist for this client (404). */
    NOT_FOUND,
    /** The body is larger than allowed (413). */
    TOO_LARGE,
    /** Well-formed, but it breaks a rule of the payment or the account (422). */
    UNPROCESSABLE,
    /** The resource's current state does not allow the request (409). */
    CONFLICT,
    /**
     * More requests than the client's limit allows; retry after {@link #retryAfterSeconds()} (429).
     */
    TOO_MANY_REQUESTS,
    /** The service is overloaded; retry after {@link #retryAfterSeconds()} (503). */
    OVERLOADED,
    /** The service cannot answer right now, e.g. its database is out of reach (503). */
    UNAVAILABLE
  }

  private final Kind kind;
  private final String type;
  private final String title;
  private final Long retryAfterSeconds;

  private Refusal(Kind kind, String type, String title, String detail, Long retryAfterSeconds) {
    // A refusal, not a fault: no stack trace to fill (a flood of 429s must stay cheap to refuse).
    super(detail, null, false, false);
    this.kind = kind;
    this.type = type;
    this.title = title;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static Refusal badRequest(String type, String title, String detail) {
    return new Refusal(Kind.INVALID, type, title, detail, null);
  }

  public static Refusal unauthorized(String detail) {
    return new Refusal(Kind.UNAUTHENTICATED, "unauthorized", "Unauthorized", detail, null);
  }

  public static Refusal notFound(String type, String detail) {
    return new Refusal(Kind.NOT_FOUND, type, "Not found", detail, null);
  }

  public static Refusal conflict(String type, String title, String detail) {
    return new Refusal(Kind.CONFLICT, type, title, detail, null);
  }

  public static Refusal unprocessable(String type, String title, String detail) {
    return new Refusal(Kind.UNPROCESSABLE, type, title, detail, null);
  }

  public static Refusal bodyTooLarge(long maxBytes) {
    return new Refusal(
        Kind.TOO_LARGE,
        "body-too-large",
        "Request body too large",
        "The request body may be at most " + maxBytes + " bytes; nothing was stored.",
        null);
  }

  /**
   * The caller sent more than it may; the next request is allowed after {@code retryAfterSeconds}.
   */
  public static Refusal tooManyRequests(String type, String detail, long retryAfterSeconds) {
    return new Refusal(
        Kind.TOO_MANY_REQUESTS, type, "Too many requests", detail, Math.max(1, retryAfterSeconds));
  }

  /** The service is overloaded, with when to come back. */
  public static Refusal overloaded(String detail, long retryAfterSeconds) {
    return new Refusal(
        Kind.OVERLOADED,
        "overloaded",
        "Service overloaded",
        detail,
        Math.max(1, retryAfterSeconds));
  }

  /** The service cannot answer right now; the client retries later. */
  public static Refusal unavailable(String detail) {
    return new Refusal(
        Kind.UNAVAILABLE, "service-unavailable", "Service unavailable", detail, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The problem type's short, stable name, e.g. {@code account-not-found}. */
  public String type() {
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

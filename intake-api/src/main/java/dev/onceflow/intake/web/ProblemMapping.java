package dev.onceflow.intake.web;

import dev.onceflow.intake.refusal.Refusal;
import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;

/**
 * How refusals and failures become problem+json: the HTTP status of each {@link Refusal.Kind}, and
 * the {@code type} of every answer (one base plus a short, stable name).
 */
public final class ProblemMapping {

  static final String BASE = "https://onceflow.dev/problems/";

  private ProblemMapping() {}

  public static HttpStatus status(Refusal.Kind kind) {
    return switch (kind) {
      case INVALID -> HttpStatus.BAD_REQUEST;
      case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
      case UNPROCESSABLE -> HttpStatus.UNPROCESSABLE_CONTENT;
      case CONFLICT -> HttpStatus.CONFLICT;
      case TOO_MANY_REQUESTS -> HttpStatus.TOO_MANY_REQUESTS;
      case OVERLOADED, UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
    };
  }

  static URI named(String name) {
    return URI.create(BASE + name);
  }

  /**
   * The problem type named after an HTTP status (404 is {@code not-found}), for answers that have
   * no more specific type; a status without a name is {@code http-<code>}.
   */
  static String statusTypeName(int code) {
    HttpStatus status = HttpStatus.resolve(code);
    return status == null
        ? "http-" + code
        : status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}

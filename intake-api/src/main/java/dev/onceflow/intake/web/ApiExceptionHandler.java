package dev.onceflow.intake.web;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.onceflow.intake.refusal.Refusal;
import java.net.URI;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every error leaves as application/problem+json (RFC 9457) with a stable {@code type}: Onceflow's
 * own refusals, Spring MVC's (404, 405, 415, ...: typed after their status), an unreachable
 * database (503 with Retry-After) and anything unexpected (500, logged).
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  /** Seconds a client should wait before retrying while PostgreSQL is unreachable. */
  static final String RETRY_AFTER_SECONDS = "5";

  /** ... and while every connection is busy: load passes sooner than an outage. */
  static final long OVERLOADED_RETRY_AFTER_SECONDS = 1;

  private final DataSource dataSource;

  ApiExceptionHandler(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The pool has connections and all are in use: overload, not an unreachable database. */
  private boolean poolIsBusy() {
    if (dataSource instanceof HikariDataSource hikari && hikari.getHikariPoolMXBean() != null) {
      HikariPoolMXBean pool = hikari.getHikariPoolMXBean();
      return pool.getTotalConnections() > 0 && pool.getIdleConnections() == 0;
    }
    return false;
  }

  @ExceptionHandler(Refusal.class)
  ResponseEntity<ProblemDetail> handle(Refusal e) {
    return answer(
        ProblemMapping.status(e.kind()),
        e.type(),
        e.title(),
        e.getMessage(),
        e.retryAfterSeconds().orElse(null));
  }

  private ResponseEntity<ProblemDetail> answer(
      HttpStatus status, String type, String title, String detail, Long retryAfterSeconds) {
    ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
    if (status == HttpStatus.UNAUTHORIZED) {
      response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    if (retryAfterSeconds != null) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    } else if (status == HttpStatus.SERVICE_UNAVAILABLE) {
      response.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    return response.body(problem(status, type, title, detail));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> handle(MethodArgumentTypeMismatchException e) {
    return handle(
        Refusal.badRequest(
            "invalid-parameter",
            "Invalid parameter",
            "Parameter '" + e.getName() + "' is not valid: " + e.getValue()));
  }

  /**
   * The database could not be reached. A DB transaction that began was rolled back with its
   * connection, so nothing is half-written; in the rare case the commit itself went through before
   * the connection broke, the client's retry with the same key replays it.
   */
  @ExceptionHandler({DataAccessException.class, TransactionException.class})
  ResponseEntity<ProblemDetail> handleDatabase(RuntimeException e) {
    if (DatabaseFailures.isPoolTimeout(e) && poolIsBusy()) {
      return handle(
          Refusal.overloaded(
              "Every database connection is busy; retry after the time in Retry-After (with the same"
                  + " Idempotency-Key: a retry never pays twice).",
              OVERLOADED_RETRY_AFTER_SECONDS));
    }
    if (DatabaseFailures.isUnavailable(e)) {
      log.warn("Database unavailable: {}", e.getMessage());
      return handle(
          Refusal.unavailable(
              "The database cannot be reached right now. Retry later with the same"
                  + " Idempotency-Key: a retry never makes a second payment."));
    }
    return handleUnexpected(e);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> handleUnexpected(Exception e) {
    log.error("Unexpected failure", e);
    return answer(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "internal-error",
        "Internal error",
        "The request failed unexpectedly. If it carried an Idempotency-Key, retry it with the"
            + " same key.",
        null);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    for (Throwable cause = e;
        cause != null;
        cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof UnrecognizedPropertyException unknown) {
        return ResponseEntity.badRequest()
            .body(
                problem(
                    HttpStatus.BAD_REQUEST,
                    "unknown-field",
                    "Unknown field",
                    "The request body has a field this endpoint does not know: '"
                        + fieldPath(unknown)
                        + "'. Nothing was stored; check its spelling."));
      }
      if (cause instanceof BodyTooLargeException) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
            .body(
                problem(
                    HttpStatus.CONTENT_TOO_LARGE,
                    "body-too-large",
                    "Request body too large",
                    cause.getMessage() + "; nothing was stored."));
      }
    }
    return ResponseEntity.badRequest()
        .body(
            problem(
                HttpStatus.BAD_REQUEST,
                "malformed-body",
                "Malformed request body",
                "The request body is not valid JSON of the expected shape: " + rootMessage(e)));
  }

  /** Spring MVC's own problems (404, 405, 415, ...) get a stable type named after their status. */
  @Override
  protected ResponseEntity<Object> createResponseEntity(
      Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
    if (body instanceof ProblemDetail problem
        && (problem.getType() == null || URI.create("about:blank").equals(problem.getType()))) {
      problem.setType(ProblemMapping.named(ProblemMapping.statusTypeName(statusCode.value())));
    }
    return super.createResponseEntity(body, headers, statusCode, request);
  }

  private static ProblemDetail problem(
      HttpStatus status, String type, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(ProblemMapping.named(type));
    problem.setTitle(title);
    return problem;
  }

  /** The field's dotted path from the body's root, e.g. {@code creditor.nmae}. */
  private static String fieldPath(UnrecognizedPropertyException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? String.valueOf(e.getPropertyName()) : path.toString();
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    // Parser messages quote the whole input after the first line; the first line says what is
    // wrong.
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}

package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.admin.AdminActions;
import dev.onceflow.intake.admin.AdminCall;
import dev.onceflow.intake.admin.AdminProperties;
import dev.onceflow.intake.client.ApiKeys;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.intake.transaction.IdempotencyKeyHeader;
import dev.onceflow.intake.web.ProblemMapping;
import dev.onceflow.model.AuditActor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Guards every {@code /admin/**} request with the admin key, and audits it. An interceptor on the
 * path, not an argument of each handler, so that no admin endpoint can be added unguarded or
 * unaudited by forgetting it. Client keys never open the admin API, and the admin key is not a
 * client key. A write is audited with its change ({@link AdminActions#write}); every other request
 * (reads, refusals, writes that were refused) when it completes.
 */
class AdminAuthentication implements HandlerInterceptor {

  private static final String SCHEME = "Bearer ";
  private static final String CALL = AdminCall.class.getName();
  private static final String AUDITED = AdminCall.class.getName() + ".audited";

  /** Names the person or tool behind the shared admin key, in the audit. */
  static final String ACTOR_HEADER = "Onceflow-Actor";

  private final AdminProperties properties;
  private final AdminActions actions;

  /** Who the admin key is in the audit: a fingerprint, never the key. */
  private final String keyActor;

  AdminAuthentication(AdminProperties properties, AdminActions actions) {
    this.properties = properties;
    this.actions = actions;
    this.keyActor =
        properties.enabled()
            ? "admin key " + ApiKeys.hash(properties.apiKey()).substring(0, 12)
            : null;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    AdminCall anonymous = call(request, "unauthenticated", null);
    try {
      authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
    } catch (Refusal refused) {
      actions.record(
          anonymous, ProblemMapping.status(refused.kind()).value(), refused.getMessage());
      throw refused;
    }
    String actor = keyActor;
    String named = request.getHeader(ACTOR_HEADER);
    try {
      if (named != null) {
        if (!AuditActor.isValid(named)) {
          throw Refusal.badRequest(
              "invalid-actor",
              "Invalid actor",
              "'" + ACTOR_HEADER + "' must be " + AuditActor.RULE + ".");
        }
        actor += " as " + named;
      }
      String key = null;
      if (!HttpMethod.GET.matches(request.getMethod())
          && !HttpMethod.DELETE.matches(request.getMethod())) {
        key = IdempotencyKeyHeader.parse(request.getHeader("Idempotency-Key"), "admin writes");
      }
      request.setAttribute(CALL, call(request, actor, key));
    } catch (Refusal refused) {
      actions.record(
          call(request, actor, null),
          ProblemMapping.status(refused.kind()).value(),
          refused.getMessage());
      throw refused;
    }
    return true;
  }

  @Override
  public void afterCompletion(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    int status = response.getStatus();
    // A 503 means the database cannot be reached: the audit could not be written either, and
    // trying would hold the answer for another connection timeout.
    if (request.getAttribute(AUDITED) == null
        && request.getAttribute(CALL) instanceof AdminCall call
        && status != HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
      actions.record(call, status, status < 400 ? "read" : "refused, nothing changed");
    }
  }

  /** The request's call, as the interceptor authenticated it. */
  static AdminCall callOf(HttpServletRequest request) {
    return (AdminCall) request.getAttribute(CALL);
  }

  /** The write committed with its own audit row: nothing more to record. */
  static void audited(HttpServletRequest request) {
    request.setAttribute(AUDITED, Boolean.TRUE);
  }

  private void authenticate(String authorization) {
    if (!properties.enabled()) {
      throw Refusal.unauthorized(
          "The admin API is disabled: no admin key (onceflow.admin.api-key) is configured.");
    }
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || authorization.substring(SCHEME.length()).isBlank()) {
      throw Refusal.unauthorized("Send the admin key as 'Authorization: Bearer <admin key>'.");
    }
    if (!ApiKeys.matches(authorization.substring(SCHEME.length()).trim(), properties.apiKey())) {
      throw Refusal.unauthorized("The admin key is not valid.");
    }
  }

  private static AdminCall call(HttpServletRequest request, String actor, String idempotencyKey) {
    String path =
        request.getRequestURI()
            + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
    return new AdminCall(actor, request.getRemoteAddr(), request.getMethod(), path, idempotencyKey);
  }
}

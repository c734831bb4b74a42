package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.admin.AdminProperties;
import dev.onceflow.intake.client.ApiKeys;
import dev.onceflow.intake.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Guards every {@code /admin/**} request with the admin key. An interceptor on the path, not an
 * argument of each handler, so that no admin endpoint can be added unguarded by forgetting it.
 * Client keys never open the admin API, and the admin key is not a client key.
 */
class AdminAuthentication implements HandlerInterceptor {

  private static final String SCHEME = "Bearer ";

  private final AdminProperties properties;

  AdminAuthentication(AdminProperties properties) {
    this.properties = properties;
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!properties.enabled()) {
      throw ApiException.unauthorized(
          "The admin API is disabled: no admin key (onceflow.admin.api-key) is configured.");
    }
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || authorization.substring(SCHEME.length()).isBlank()) {
      throw ApiException.unauthorized("Send the admin key as 'Authorization: Bearer <admin key>'.");
    }
    if (!ApiKeys.matches(authorization.substring(SCHEME.length()).trim(), properties.apiKey())) {
      throw ApiException.unauthorized("The admin key is not valid.");
    }
    return true;
  }
}

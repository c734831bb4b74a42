package dev.onceflow.intake.client;

import dev.onceflow.intake.web.ApiException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a client past its rate before anything else runs: no tracing, no dispatch, no handler,
 * so that a flood of refused requests costs the others as little CPU as it can. Acts only on keys
 * whose client this instance remembers ({@link KnownClients}); any other request, and every
 * admitted one, goes on to {@link ClientAuthentication}, which authenticates it (and counts an
 * admission the filter did not make).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RateLimitFilter extends OncePerRequestFilter {

  /** Set on a request this filter took from its client's rate. */
  static final String ADMITTED = RateLimitFilter.class.getName() + ".admitted";

  private final KnownClients clients;
  private final RequestLimits limits;
  private final JsonMapper json;

  RateLimitFilter(KnownClients clients, RequestLimits limits, JsonMapper json) {
    this.clients = clients;
    this.limits = limits;
    this.json = json;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI();
    return path.equals("/admin") || path.startsWith("/admin/") || path.equals("/error");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String apiKey = ClientAuthentication.bearerKey(request.getHeader(HttpHeaders.AUTHORIZATION));
    Optional<UUID> client = apiKey == null ? Optional.empty() : clients.rememberedClientOf(ApiKeys.hash(apiKey));
    if (client.isPresent()) {
      long retryAfter = limits.admitOrRetryAfter(client.get());
      if (retryAfter > 0) {
        refuse(request, response, limits.rateLimited(retryAfter), retryAfter);
        return;
      }
      request.setAttribute(ADMITTED, Boolean.TRUE);
    }
    chain.doFilter(request, response);
  }

  /** The same problem+json the exception handler would write for it. */
  private void refuse(HttpServletRequest request, HttpServletResponse response, ApiException refusal, long retryAfter)
      throws IOException {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("detail", refusal.getMessage());
    problem.put("instance", request.getRequestURI());
    problem.put("status", refusal.status().value());
    problem.put("title", refusal.title());
    problem.put("type", refusal.type().toString());
    response.setStatus(refusal.status().value());
    response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.getOutputStream().write(json.writeValueAsBytes(problem));
  }
}

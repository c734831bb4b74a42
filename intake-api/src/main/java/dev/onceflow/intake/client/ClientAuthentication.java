package dev.onceflow.intake.client;

import dev.onceflow.intake.refusal.Refusal;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates the client from {@code Authorization: Bearer <API key>}. As an interceptor on every
 * path but the admin API's, it refuses any request without a valid client key before a handler
 * runs, so that no endpoint can be added open by forgetting a parameter; as an argument resolver,
 * it hands the handler the {@link AuthenticatedClient} it found.
 */
@Component
public class ClientAuthentication implements HandlerInterceptor, HandlerMethodArgumentResolver {

  private static final String SCHEME = "Bearer ";
  private static final String ATTRIBUTE = AuthenticatedClient.class.getName();

  private final KnownClients clients;
  private final RequestLimits limits;
  private final HeldRefusals refusals;

  ClientAuthentication(KnownClients clients, RequestLimits limits, HeldRefusals refusals) {
    this.clients = clients;
    this.limits = limits;
    this.refusals = refusals;
  }

  /**
   * Authenticates, then takes the request from the client's rate ({@link RequestLimits}); a 429 is
   * held for the refusal delay ({@link HeldRefusals}) when it can be.
   */
  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      // The second pass of a request that went asynchronous: a held refusal, now answered, or a
      // long-poll, already authenticated and counted once.
      if (request.getAttribute(HeldRefusals.ATTRIBUTE) instanceof Refusal refusal) {
        throw refusal;
      }
      if (request.getAttribute(ATTRIBUTE) != null) {
        return true;
      }
    }
    try {
      AuthenticatedClient client = authenticateCountingFailures(request);
      limits.admit(client.id());
      request.setAttribute(ATTRIBUTE, client);
      return true;
    } catch (Refusal refused) {
      if (refused.kind() == Refusal.Kind.TOO_MANY_REQUESTS && refusals.hold(request, refused)) {
        return false;
      }
      throw refused;
    }
  }

  private AuthenticatedClient authenticateCountingFailures(HttpServletRequest request) {
    try {
      // A known key never waits for the address's budget: a client behind the same address as a
      // key-guessing one keeps working.
      return authenticate(
          request.getHeader(HttpHeaders.AUTHORIZATION),
          () -> limits.requireAuthenticationBudget(request.getRemoteAddr()));
    } catch (Refusal refused) {
      limits.failedAuthentication(request.getRemoteAddr());
      throw refused;
    }
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType() == AuthenticatedClient.class;
  }

  @Override
  public AuthenticatedClient resolveArgument(
      MethodParameter parameter,
      ModelAndViewContainer mavContainer,
      NativeWebRequest request,
      WebDataBinderFactory binderFactory) {
    Object client = request.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    return client instanceof AuthenticatedClient authenticated
        ? authenticated
        : authenticate(request.getHeader(HttpHeaders.AUTHORIZATION), () -> {});
  }

  private AuthenticatedClient authenticate(String authorization, Runnable beforeLookup) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || authorization.length() == SCHEME.length()) {
      throw Refusal.unauthorized("Send your API key as 'Authorization: Bearer <key>'.");
    }
    String apiKey = authorization.substring(SCHEME.length()).trim();
    return clients
        .clientOf(ApiKeys.hash(apiKey), beforeLookup)
        .map(AuthenticatedClient::new)
        .orElseThrow(() -> Refusal.unauthorized("The API key is not valid."));
  }
}

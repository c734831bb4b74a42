package dev.onceflow.intake.client;

import dev.onceflow.intake.web.ApiException;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Resolves an {@link AuthenticatedClient} handler argument from {@code Authorization: Bearer}. */
@Component
public class BearerClientResolver implements HandlerMethodArgumentResolver {

  private static final String SCHEME = "Bearer ";

  private final ApiClientRepository clients;

  BearerClientResolver(ApiClientRepository clients) {
    this.clients = clients;
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
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || authorization.length() == SCHEME.length()) {
      throw unauthorized("Send your API key as 'Authorization: Bearer <key>'.");
    }
    String apiKey = authorization.substring(SCHEME.length()).trim();
    return clients
        .findByApiKeyHash(ApiKeys.hash(apiKey))
        .map(client -> new AuthenticatedClient(client.getId()))
        .orElseThrow(() -> unauthorized("The API key is not valid."));
  }

  private static ApiException unauthorized(String detail) {
    return new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail);
  }
}

package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser of the console for tests: its own cookies (so its own session), no redirect followed
 * (tests assert where they lead), and the login with the form's CSRF token.
 */
public final class ConsoleBrowser {

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  public ConsoleBrowser(String base) {
    this.base = base;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> postForm(String path, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Posts the login form with the token the login page carries; the answer is a redirect. */
  public HttpResponse<String> logIn(String name, String password)
      throws IOException, InterruptedException {
    String form = get("/login").body();
    Matcher token = CSRF.matcher(form);
    assertThat(token.find()).as("the login form carries a CSRF token: %s", form).isTrue();
    return postForm(
        "/login",
        "username="
            + encode(name)
            + "&password="
            + encode(password)
            + "&_csrf="
            + encode(token.group(1)));
  }

  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

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
 * An HTTP session with the console for tests: its own cookies (so its own session), no redirect
 * followed (tests assert where they lead), and forms posted with the session's CSRF token.
 */
public final class ConsoleSession {

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  public ConsoleSession(String base) {
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

  /** A form post with the session's CSRF token, read from the login page's form. */
  public HttpResponse<String> post(String path, String body)
      throws IOException, InterruptedException {
    Matcher token = CSRF.matcher(get("/login").body());
    assertThat(token.find()).as("the login page carries a CSRF token").isTrue();
    return postForm(path, body + "&_csrf=" + encode(token.group(1)));
  }

  /** The page a redirect leads to, which must be there (200). */
  public HttpResponse<String> follow(HttpResponse<String> redirect)
      throws IOException, InterruptedException {
    assertThat(redirect.statusCode()).as("a redirect: %s", redirect.body()).isEqualTo(302);
    String location = redirect.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> page =
        get(location.startsWith(base) ? location.substring(base.length()) : location);
    assertThat(page.statusCode()).as("%s: %s", location, page.body()).isEqualTo(200);
    return page;
  }

  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * A console on a free port against the shared, migrated PostgreSQL (and Kafka, for the pages that
 * read it), with two operators ({@code alice}, {@code bob}) and a viewer; payments inserted as the
 * services would leave them; and HTTP sessions that log in through the form with its CSRF token.
 */
final class ConsoleFixture implements AutoCloseable {

  static final String PASSWORD = "correct horse battery staple";
  static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

  final PostgresServer postgres;
  final String kafka;
  final String base;
  private final ConfigurableApplicationContext console;

  private ConsoleFixture(PostgresServer postgres, String kafka, String... properties) {
    this.postgres = postgres;
    this.kafka = kafka;
    int port = SharedTestInfrastructure.freePort();
    String hash = new BCryptPasswordEncoder(4).encode(PASSWORD);
    List<String> settings =
        new ArrayList<>(
            List.of(
                "server.port=" + port,
                "management.server.port=" + port,
                "spring.datasource.url=" + postgres.jdbcUrl(),
                "onceflow.console.kafka-bootstrap-servers=" + kafka,
                "onceflow.console.users[0].name=alice",
                "onceflow.console.users[0].password-hash=" + hash,
                "onceflow.console.users[0].role=OPERATOR",
                "onceflow.console.users[1].name=bob",
                "onceflow.console.users[1].password-hash=" + hash,
                "onceflow.console.users[1].role=OPERATOR",
                "onceflow.console.users[2].name=viewer",
                "onceflow.console.users[2].password-hash=" + hash,
                "onceflow.console.users[2].role=VIEWER"));
    settings.addAll(List.of(properties));
    this.console =
        ConsoleApplication.application().properties(settings.toArray(String[]::new)).run();
    this.base = "http://localhost:" + port;
  }

  /** A console whose Kafka is the shared broker. */
  static ConsoleFixture withKafka(String... properties) {
    return new ConsoleFixture(
        migrated(), SharedTestInfrastructure.kafka().bootstrapServers(), properties);
  }

  /** A console with no Kafka to reach (a closed port). */
  static ConsoleFixture withoutKafka(String... properties) {
    return new ConsoleFixture(
        migrated(), "localhost:" + SharedTestInfrastructure.freePort(), properties);
  }

  private static PostgresServer migrated() {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    return postgres;
  }

  /** A client with a funded EUR account; its id and the account's. */
  record Account(UUID client, UUID account) {}

  Account account(long balance) throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    execute(
        "INSERT INTO clients (id, name, created_at) VALUES (?, ?, now())",
        client,
        "client " + client.toString().substring(0, 8));
    execute(
        "INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version,"
            + " created_at, updated_at) VALUES (?, ?, 'EUR', ?, ?, 0, 0, now(), now())",
        account,
        client,
        balance,
        balance);
    return new Account(client, account);
  }

  /**
   * A payment of 10 EUR in {@code state} (with {@code failureCode} when FAILED), last changed
   * {@code minutesAgo}; as the services would leave it, with no funds reserved for a final one.
   */
  UUID payment(Account owner, String key, String state, String failureCode, int minutesAgo)
      throws SQLException {
    UUID id = UUID.randomUUID();
    execute(
        "INSERT INTO transactions (id, client_id, account_id, state, amount, currency,"
            + " creditor_name, creditor_iban, external_key, idempotency_key, attempts,"
            + " next_attempt_at, lease_until, failure_code, version, created_at, updated_at,"
            + " unknown_since)"
            + " VALUES (?, ?, ?, ?, 10, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, ?, 8,"
            + " now() + interval '1 hour', now() + interval '1 hour', ?, 0,"
            + " now() - make_interval(mins => ?), now() - make_interval(mins => ?),"
            + " CASE WHEN ? = 'UNKNOWN' THEN now() - make_interval(mins => ?) END)",
        id,
        owner.client(),
        owner.account(),
        state,
        "ext-" + id,
        key,
        failureCode,
        minutesAgo,
        minutesAgo,
        state,
        minutesAgo);
    return id;
  }

  String scalar(String sql, Object... parameters) throws SQLException {
    try (Connection db = connect();
        PreparedStatement statement = prepare(db, sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  void execute(String sql, Object... parameters) throws SQLException {
    try (Connection db = connect();
        PreparedStatement statement = prepare(db, sql, parameters)) {
      statement.executeUpdate();
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
  }

  private static PreparedStatement prepare(Connection db, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement statement = db.prepareStatement(sql);
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
    return statement;
  }

  /** A browser-like HTTP session: cookies kept, redirects not followed (tests read them). */
  Session session() {
    return new Session();
  }

  /** A session logged in as {@code user}. */
  Session loggedIn(String user) throws Exception {
    Session session = new Session();
    HttpResponse<String> login = session.logIn(user, PASSWORD);
    assertThat(login.headers().firstValue("Location"))
        .as("logged in as %s", user)
        .hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));
    return session;
  }

  final class Session {
    private final HttpClient http =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    HttpResponse<String> logIn(String user, String password) throws Exception {
      return post("/login", "username=" + encode(user) + "&password=" + encode(password));
    }

    HttpResponse<String> get(String path) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** A form post with the session's CSRF token, read from the login or overview page. */
    HttpResponse<String> post(String path, String body) throws Exception {
      return postWithoutToken(path, body + "&_csrf=" + encode(token()));
    }

    HttpResponse<String> postWithoutToken(String path, String body) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** The page a redirect leads to. */
    HttpResponse<String> follow(HttpResponse<String> redirect) throws Exception {
      assertThat(redirect.statusCode()).as("a redirect: %s", redirect.body()).isEqualTo(302);
      String location = redirect.headers().firstValue("Location").orElseThrow();
      HttpResponse<String> page =
          get(location.startsWith(base) ? location.substring(base.length()) : location);
      assertThat(page.statusCode()).as("%s: %s", location, page.body()).isEqualTo(200);
      return page;
    }

    private String token() throws Exception {
      HttpResponse<String> page = get("/login");
      Matcher token = CSRF.matcher(page.body());
      if (!token.find()) {
        // logged in: /login still serves the form, but be safe and read the overview's logout form
        token = CSRF.matcher(get("/").body());
        assertThat(token.find()).as("a page carries a CSRF token").isTrue();
      }
      return token.group(1);
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    console.close();
  }
}

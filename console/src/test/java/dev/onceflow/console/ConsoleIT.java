package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console over real HTTP against a real PostgreSQL, as the ops role sees it: a login with its
 * CSRF token, the overview, a payment's page with its history, and the search by a client's key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {

  private static final String PASSWORD = "correct horse battery staple";

  private PostgresServer postgres;
  private ConfigurableApplicationContext console;
  private String base;
  private UUID transaction;
  private final String key = "console-" + UUID.randomUUID();

  @BeforeAll
  void start() throws SQLException {
    postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    transaction = insertFailedTransaction();
    int port = SharedTestInfrastructure.freePort();
    console =
        ConsoleApplication.application()
            .properties(
                "server.port=" + port,
                "management.server.port=" + port,
                "spring.datasource.url=" + postgres.jdbcUrl(),
                "onceflow.console.users[0].name=alice",
                "onceflow.console.users[0].password-hash="
                    + new BCryptPasswordEncoder(4).encode(PASSWORD),
                "onceflow.console.users[0].role=VIEWER")
            .run();
    base = "http://localhost:" + port;
  }

  @AfterAll
  void stop() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void asksForALoginFirst() throws Exception {
    HttpResponse<String> page = new ConsoleSession(base).get("/");
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/login"));
  }

  @Test
  void refusesALoginWithoutItsCsrfTokenOrWithAWrongPassword() throws Exception {
    ConsoleSession browser = new ConsoleSession(base);
    HttpResponse<String> noToken =
        browser.postForm("/login", "username=alice&password=" + encode(PASSWORD));
    assertThat(noToken.statusCode()).isEqualTo(403);
    HttpResponse<String> wrong = browser.logIn("alice", "not the password");
    assertThat(wrong.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).contains("/login?error"));
  }

  @Test
  void showsTheOverviewAPaymentsHistoryAndFindsItByItsIdempotencyKey() throws Exception {
    ConsoleSession browser = new ConsoleSession(base);
    HttpResponse<String> loggedIn = browser.logIn("alice", PASSWORD);
    assertThat(loggedIn.statusCode()).isEqualTo(302);
    assertThat(loggedIn.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));

    HttpResponse<String> overview = browser.get("/");
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.body()).contains("FAILED");

    HttpResponse<String> found = browser.get("/search?q=" + encode(key));
    assertThat(found.statusCode()).isEqualTo(302);
    assertThat(found.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/payments/" + transaction));

    HttpResponse<String> payment = browser.get("/payments/" + transaction);
    assertThat(payment.statusCode()).isEqualTo(200);
    assertThat(payment.body()).contains(transaction.toString(), key, "RETRIES_EXHAUSTED", "FAILED");

    assertThat(browser.get("/payments/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
  }

  private static String encode(String value) {
    return ConsoleSession.encode(value);
  }

  private UUID insertFailedTransaction() throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    UUID id = UUID.randomUUID();
    try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "")) {
      execute(
          db, "INSERT INTO clients (id, name, created_at) VALUES (?, 'console', now())", client);
      execute(
          db,
          "INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)"
              + " VALUES (?, ?, 'EUR', 100, 100, 0, 0, now(), now())",
          account,
          client);
      execute(
          db,
          "INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,"
              + " external_key, idempotency_key, attempts, next_attempt_at, lease_until, failure_code, version,"
              + " created_at, updated_at)"
              + " VALUES (?, ?, ?, 'FAILED', 10, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, ?, 8, now(), now(),"
              + " 'RETRIES_EXHAUSTED', 0, now(), now())",
          id,
          client,
          account,
          "ext-" + id,
          key);
    }
    return id;
  }

  private static void execute(Connection db, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }
}

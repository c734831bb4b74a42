package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.Browser;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console in a real browser (headless Chromium, {@link Browser}), against a real PostgreSQL:
 * what an operator does with it, through its forms. Skipped where there is no Chromium, unless
 * browser tests are required.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {

  private static final String PASSWORD = "correct horse battery staple";

  private PostgresServer postgres;
  private TestPayments payments;
  private ConfigurableApplicationContext console;
  private String base;
  private Browser browser;

  @BeforeAll
  void start() {
    postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    payments = new TestPayments(postgres.jdbcUrl());
    String hash = new BCryptPasswordEncoder(4).encode(PASSWORD);
    int port = SharedTestInfrastructure.freePort();
    console =
        ConsoleApplication.application()
            .properties(
                "server.port=" + port,
                "management.server.port=" + port,
                "spring.datasource.url=" + postgres.jdbcUrl(),
                "onceflow.console.users[0].name=alice",
                "onceflow.console.users[0].password-hash=" + hash,
                "onceflow.console.users[0].role=OPERATOR",
                "onceflow.console.users[1].name=viewer",
                "onceflow.console.users[1].password-hash=" + hash,
                "onceflow.console.users[1].role=VIEWER")
            .run();
    base = "http://localhost:" + port;
  }

  /** A browser per test, each with its own session: skips the test where there is none. */
  @BeforeEach
  void openBrowser() {
    browser = Browser.start();
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @AfterAll
  void stop() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void anOperatorLogsInSeesTheCountsAndFindsAPaymentByItsIdempotencyKey() throws Exception {
    String key = "browser-" + UUID.randomUUID();
    UUID payment = payments.failed(key);

    logIn("alice");
    assertThat(browser.find(By.cssSelector("main h1")).getText()).isEqualTo("Overview");
    assertThat(browser.find(By.cssSelector("header .user")).getText())
        .contains("alice", "OPERATOR");
    assertThat(
            browser.find(By.xpath("//table[@id='by-state']//tr[td[1]='FAILED']/td[2]")).getText())
        .isEqualTo(String.valueOf(payments.count("FAILED")));

    browser.find(By.cssSelector("header input[name=q]")).sendKeys(key);
    browser.find(By.cssSelector("header form[role=search] button")).click();

    assertThat(browser.find(By.cssSelector("h1 .id")).getText()).isEqualTo(payment.toString());
    assertThat(browser.driver().getCurrentUrl()).isEqualTo(base + "/payments/" + payment);
    assertThat(browser.find(By.xpath("//table[@id='payment']//tr[th='state']/td")).getText())
        .isEqualTo("FAILED");
    assertThat(browser.find(By.xpath("//table[@id='payment']//tr[th='failure']/td")).getText())
        .isEqualTo("RETRIES_EXHAUSTED");
    Path screenshot =
        browser.screenshot(Path.of("target", "browser", "payment-" + payment + ".png"));
    assertThat(Files.readAllBytes(screenshot))
        .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  @Test
  void aViewerLogsInToo() {
    logIn("viewer");
    assertThat(browser.find(By.cssSelector("main h1")).getText()).isEqualTo("Overview");
    assertThat(browser.find(By.cssSelector("header .user")).getText()).contains("viewer", "VIEWER");
  }

  /** Through the login form, as a person would: the form carries its CSRF token itself. */
  private void logIn(String name) {
    browser.open(base + "/");
    assertThat(browser.driver().getCurrentUrl()).isEqualTo(base + "/login");
    browser.find(By.name("username")).sendKeys(name);
    browser.find(By.name("password")).sendKeys(PASSWORD);
    browser.find(By.cssSelector("form button[type=submit]")).click();
    // The overview's table, not the login page's heading, which is still there until it loads.
    browser.find(By.id("by-state"));
  }
}

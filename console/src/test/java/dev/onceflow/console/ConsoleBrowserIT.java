package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.testing.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The console in a real browser (headless Chromium, {@link Browser}) against a real PostgreSQL and
 * Kafka broker: what operators do with it, through its links and forms. Skipped where there is no
 * Chromium, unless browser tests are required (as in CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {

  private ConsoleFixture console;
  private Browser browser;

  @BeforeAll
  void start() throws Exception {
    console = ConsoleFixture.withKafka();
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
  void anOperatorFindsAPaymentSeesItsBankCallsRetriesItAndSeesTheAuditEntry() throws Exception {
    String key = "browser-" + UUID.randomUUID();
    ConsoleFixture.Account account = console.account(100);
    UUID payment = console.payment(account, key, "FAILED", "RETRIES_EXHAUSTED", 3);
    bankCall(payment, 1, "unknown", 503, "server-error: HTTP 503", 2);
    bankCall(payment, 2, "declined", 404, "no payment under this key", 1);

    logIn("alice");
    assertThat(text(By.cssSelector("header .user"))).contains("alice", "OPERATOR");
    assertThat(failedCount())
        .isEqualTo(console.scalar("SELECT count(*) FROM transactions WHERE state = 'FAILED'"));

    browser.find(By.cssSelector("header input[name=q]")).sendKeys(key);
    browser.find(By.cssSelector("header form[role=search] button")).click();
    assertThat(text(By.cssSelector("h1 .id"))).isEqualTo(payment.toString());
    assertThat(text(By.xpath("//table[@id='payment']//tr[th='failure']/td")))
        .isEqualTo("RETRIES_EXHAUSTED");
    List<String> calls = texts(By.cssSelector("#timeline tr.kind-BANK"));
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0)).contains("PAYMENT 1", "HTTP 503", "server-error");
    assertThat(calls.get(1)).contains("PAYMENT 2", "declined", "HTTP 404");

    browser.find(By.id("retry")).click();
    assertThat(text(By.id("effect"))).contains("Reopens the payment as PENDING");
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", payment))
        .as("nothing happens before the confirmation")
        .isEqualTo("FAILED");
    browser.find(By.id("confirm")).click();

    assertThat(text(By.id("notice"))).isEqualTo("Retried: the payment is PENDING again");
    assertThat(text(By.xpath("//table[@id='payment']//tr[th='state']/td"))).isEqualTo("PENDING");
    assertThat(texts(By.cssSelector("#timeline tr.kind-OPS")))
        .singleElement()
        .satisfies(
            entry -> assertThat(entry).contains("retry-failed", "alice", "reopened as PENDING"));
    assertThat(texts(By.cssSelector("#timeline tr.kind-EVENT")))
        .anySatisfy(entry -> assertThat(entry).contains("TransactionRequested"));

    browser.find(By.linkText("Audit")).click();
    assertThat(text(By.xpath("//table[@id='audit']/tbody/tr[2]")))
        .contains("alice", "retry-failed", payment.toString(), "reopened as PENDING");
    screenshot("payment-retried");
  }

  @Test
  void aReadOnlyUserSeesEverythingAndCannotAct() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    UUID payment =
        console.payment(account, "viewer-" + UUID.randomUUID(), "FAILED", "RETRIES_EXHAUSTED", 3);

    logIn("viewer");
    assertThat(text(By.cssSelector("header .user"))).contains("viewer", "read-only");
    // The overview refreshes itself: a payment that arrives meanwhile is counted without a reload.
    long failed = Long.parseLong(failedCount());
    console.payment(account, "live-" + UUID.randomUUID(), "FAILED", "DECLINED", 0);
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions() // the fragment may be swapped while it is read
        .untilAsserted(
            () -> {
              assertThat(text(By.id("refresh-status"))).startsWith("updated ");
              assertThat(Long.parseLong(failedCount())).isEqualTo(failed + 1);
            });

    browser.open(console.base + "/payments/" + payment);
    assertThat(text(By.cssSelector("h1 .id"))).isEqualTo(payment.toString());
    assertThat(browser.driver().findElements(By.id("retry"))).isEmpty();
    assertThat(browser.driver().findElements(By.id("actions"))).isEmpty();

    // Typing the action's address does not help: the confirmation page is refused.
    browser.open(console.base + "/payments/" + payment + "/actions/retry");
    assertThat(text(By.tagName("h1"))).startsWith("403");
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", payment))
        .isEqualTo("FAILED");
  }

  @Test
  void aBulkReplayOfDeadLettersWaitsForASecondOperator() throws Exception {
    long from = console.deadLetterEnd();
    console.parkDeadLetters(2);

    logIn("alice");
    browser.open(console.base + "/dead-letters?from=" + from);
    assertThat(texts(By.cssSelector("#dead-letters tr"))).hasSize(3); // a heading and two
    browser.find(By.cssSelector("#request-replay button")).click();
    assertThat(text(By.id("state"))).isEqualTo("REQUESTED");
    assertThat(text(By.id("own-request"))).contains("another operator must approve it");
    assertThat(browser.driver().findElements(By.id("approve"))).isEmpty();
    String request = browser.driver().getCurrentUrl();
    assertThat(text(By.xpath("//table[@id='approval']//tr[th='what it does']/td")))
        .contains("replay the 2 dead letters");
    browser.find(By.cssSelector("header form[action$='/logout'] button")).click();

    logIn("bob");
    browser.find(By.linkText("Approvals")).click();
    assertThat(text(By.id("open"))).contains("alice", "replay-dead-letters", "REQUESTED");
    browser.open(request);
    browser.find(By.id("approve")).click();
    // The notice is only on the page the approval leads to.
    assertThat(text(By.id("notice"))).startsWith("Approved and done");
    assertThat(text(By.id("state"))).isEqualTo("DONE");
    assertThat(text(By.id("outcome"))).contains("republished 2 records");
  }

  @Test
  void aCallThatNeverReturnedShowsAsStartedWithNoAnswerAndItsAge() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    UUID payment = console.payment(account, "lost-" + UUID.randomUUID(), "PENDING", null, 7);
    console.execute(
        "INSERT INTO bank_calls (transaction_id, kind, attempt, external_key, instance, started_at)"
            + " VALUES (?, 'PAYMENT', 1, ?, 'bank-worker@host:9', now() - interval '7 minutes')",
        payment,
        "ext-" + payment);

    logIn("bob");
    assertThat(Long.parseLong(text(By.id("unanswered-calls")))).isPositive();
    browser.open(console.base + "/lists/stuck?state=PENDING&unchangedFor=5m");
    WebElement row = browser.find(By.xpath("//table[@id='stuck']//tr[td/a='" + payment + "']"));
    assertThat(row.getText()).contains("7m", "call started, no answer");
    row.findElement(By.tagName("a")).click();
    assertThat(text(By.cssSelector("#timeline tr.kind-BANK.waiting")))
        .contains("PAYMENT 1", "call started, no answer for 7m");
    assertThat(browser.driver().findElements(By.id("redrive"))).hasSize(1);
    screenshot("payment-unanswered");
  }

  /** Through the login form, as a person would: the form carries its CSRF token itself. */
  private void logIn(String name) {
    browser.open(console.base + "/");
    assertThat(browser.driver().getCurrentUrl()).isEqualTo(console.base + "/login");
    browser.find(By.name("username")).sendKeys(name);
    browser.find(By.name("password")).sendKeys(ConsoleFixture.PASSWORD);
    browser.find(By.cssSelector("form button[type=submit]")).click();
    // The overview's table, not the login page's heading, which is still there until it loads.
    browser.find(By.id("by-state"));
  }

  private void bankCall(
      UUID payment, int attempt, String outcome, int status, String error, int minutesAgo)
      throws Exception {
    console.execute(
        "INSERT INTO bank_calls (transaction_id, kind, attempt, external_key, instance, started_at,"
            + " ended_at, outcome, http_status, latency_ms, error)"
            + " VALUES (?, 'PAYMENT', ?, ?, 'bank-worker@host:9', now() - make_interval(mins => ?),"
            + " now() - make_interval(mins => ?) + interval '120 milliseconds', ?, ?, 120, ?)",
        payment,
        attempt,
        "ext-" + payment,
        minutesAgo,
        minutesAgo,
        outcome,
        status,
        error);
  }

  /** The overview's count of FAILED payments. */
  private String failedCount() {
    return text(By.xpath("//table[@id='by-state']//tr[td[1]='FAILED']/td[2]"));
  }

  private String text(By by) {
    return browser.find(by).getText();
  }

  private List<String> texts(By by) {
    browser.find(by);
    return browser.driver().findElements(by).stream().map(WebElement::getText).toList();
  }

  private void screenshot(String name) throws Exception {
    Path file = browser.screenshot(Path.of("target", "browser", name + ".png"));
    assertThat(Files.readAllBytes(file))
        .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }
}

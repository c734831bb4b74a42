package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The console's actions over real HTTP, on a real PostgreSQL and Kafka broker: each one confirmed
 * and audited with the operator's name, refused to a viewer, and a bulk replay that runs only on a
 * second operator's approval, once, however many approve at the same moment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleActionsIT {

  private static final Pattern APPROVAL = Pattern.compile("/approvals/([0-9a-f-]{36})$");

  private ConsoleFixture console;

  @BeforeAll
  void start() throws Exception {
    console = ConsoleFixture.withKafka();
  }

  @AfterAll
  void stop() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void anOperatorRetriesAFailedPaymentAfterConfirmingAndTheAuditNamesThem() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    UUID id =
        console.payment(account, "retry-" + UUID.randomUUID(), "FAILED", "RETRIES_EXHAUSTED", 5);
    ConsoleSession alice = console.loggedIn("alice");

    assertThat(alice.get("/payments/" + id).body()).contains("id=\"retry\"");
    HttpResponse<String> confirmation = alice.get("/payments/" + id + "/actions/retry");
    assertThat(confirmation.statusCode()).isEqualTo(200);
    assertThat(confirmation.body()).contains("Confirm: Retry", "RETRIES_EXHAUSTED");
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", id))
        .as("the confirmation page changes nothing")
        .isEqualTo("FAILED");

    HttpResponse<String> page =
        alice.follow(alice.post("/payments/" + id + "/actions/retry", "go=1"));
    assertThat(page.body()).contains("Retried: the payment is PENDING again", "retry-failed");
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", id))
        .isEqualTo("PENDING");
    assertThat(console.scalar("SELECT reserved FROM accounts WHERE id = ?", account.account()))
        .isEqualTo("10");
    assertThat(
            console.scalar(
                "SELECT a.actor FROM ops_audit a JOIN ops_audit_transactions l ON l.audit_id = a.id"
                    + " WHERE l.transaction_id = ? AND a.action = 'retry-failed'",
                id))
        .isEqualTo("alice");
    assertThat(
            console.scalar(
                "SELECT reason FROM transaction_history WHERE transaction_id = ? AND to_state = 'PENDING'",
                id))
        .startsWith("ops retry-failed by alice");

    // The event it wrote is on the payment's timeline, and its id finds the payment.
    String eventId =
        console.scalar("SELECT event_id FROM transaction_events WHERE transaction_id = ?", id);
    assertThat(eventId).isNotNull();
    assertThat(page.body()).contains("TransactionRequested", eventId);
    HttpResponse<String> byEvent = alice.get("/search?q=" + eventId);
    assertThat(byEvent.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/payments/" + id));

    // Retried again, from a stale page: refused under the row lock, audited, nothing changed.
    HttpResponse<String> again =
        alice.follow(alice.post("/payments/" + id + "/actions/retry", "go=1"));
    assertThat(again.body()).contains("Refused: transaction " + id + " is PENDING");
    assertThat(console.scalar("SELECT reserved FROM accounts WHERE id = ?", account.account()))
        .isEqualTo("10");
  }

  @Test
  void aViewerReadsEverythingAndCanDoNothing() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    UUID id =
        console.payment(account, "view-" + UUID.randomUUID(), "FAILED", "RETRIES_EXHAUSTED", 5);
    ConsoleSession viewer = console.loggedIn("viewer");

    HttpResponse<String> page = viewer.get("/payments/" + id);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).doesNotContain("id=\"retry\"", "id=\"actions\"");
    assertThat(viewer.get("/payments/" + id + "/actions/retry").statusCode()).isEqualTo(403);
    assertThat(viewer.post("/payments/" + id + "/actions/retry", "go=1").statusCode())
        .isEqualTo(403);
    assertThat(
            viewer
                .post("/approvals/redrive-pending", "createdBefore=2026-01-01T00:00:00Z")
                .statusCode())
        .isEqualTo(403);
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", id))
        .isEqualTo("FAILED");
    assertThat(
            console.scalar(
                "SELECT count(*) FROM ops_audit_transactions WHERE transaction_id = ?", id))
        .isEqualTo("0");
    for (String read :
        List.of("/lists/stuck", "/lists/failed", "/approvals", "/audit", "/dead-letters")) {
      assertThat(viewer.get(read).statusCode()).as(read).isEqualTo(200);
    }
  }

  @Test
  void anActionWithoutItsCsrfTokenIsRefused() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    UUID id =
        console.payment(account, "csrf-" + UUID.randomUUID(), "FAILED", "RETRIES_EXHAUSTED", 5);
    ConsoleSession alice = console.loggedIn("alice");

    assertThat(alice.postForm("/payments/" + id + "/actions/retry", "go=1").statusCode())
        .isEqualTo(403);
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", id))
        .isEqualTo("FAILED");
  }

  @Test
  void anUnknownOutcomeIsResolvedOnlyWithEverythingTheDecisionNeeds() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    console.execute("UPDATE accounts SET reserved = 10 WHERE id = ?", account.account());
    UUID id = console.payment(account, "unknown-" + UUID.randomUUID(), "UNKNOWN", null, 42);
    ConsoleSession bob = console.loggedIn("bob");

    HttpResponse<String> stuck = bob.get("/lists/stuck?state=UNKNOWN");
    assertThat(stuck.body()).contains(id.toString(), "42m");

    HttpResponse<String> unchecked =
        bob.post(
            "/payments/" + id + "/actions/resolve",
            "outcome=COMPLETED&bankReference=bank-77&reason="
                + ConsoleFixture.encode("bank says settled"));
    assertThat(unchecked.statusCode()).isEqualTo(400);
    assertThat(unchecked.body()).contains("Confirm that you checked the payment with the bank.");
    HttpResponse<String> noReference =
        bob.post(
            "/payments/" + id + "/actions/resolve",
            "outcome=COMPLETED&reason=settled&checked=true");
    assertThat(noReference.statusCode()).isEqualTo(400);
    assertThat(noReference.body()).contains("A settled payment needs the bank");
    assertThat(console.scalar("SELECT state FROM transactions WHERE id = ?", id))
        .isEqualTo("UNKNOWN");

    HttpResponse<String> resolved =
        bob.follow(
            bob.post(
                "/payments/" + id + "/actions/resolve",
                "outcome=COMPLETED&bankReference=bank-77&checked=true&reason="
                    + ConsoleFixture.encode("bank's support confirmed it settled")));
    assertThat(resolved.body()).contains("Resolved: COMPLETED");
    assertThat(
            console.scalar(
                "SELECT state || ' ' || bank_reference FROM transactions WHERE id = ?", id))
        .isEqualTo("COMPLETED bank-77");
    assertThat(
            console.scalar(
                "SELECT a.actor FROM ops_audit a JOIN ops_audit_transactions l ON l.audit_id = a.id"
                    + " WHERE l.transaction_id = ? AND a.action = 'resolve-unknown'",
                id))
        .isEqualTo("bob");
  }

  @Test
  void aBulkReplayRunsOnlyOnceASecondOperatorApprovesIt() throws Exception {
    long parkedBefore = console.deadLetterEnd();
    console.parkDeadLetters(3);
    ConsoleSession alice = console.loggedIn("alice");
    ConsoleSession bob = console.loggedIn("bob");
    ConsoleSession viewer = console.loggedIn("viewer");

    HttpResponse<String> list = alice.get("/dead-letters?from=" + parkedBefore);
    assertThat(list.body()).contains("unparseable", "Ask to replay");
    HttpResponse<String> requested =
        alice.post("/approvals/replay-dead-letters", "fromOffset=" + parkedBefore);
    Matcher approval = APPROVAL.matcher(requested.headers().firstValue("Location").orElseThrow());
    assertThat(approval.find()).isTrue();
    String path = "/approvals/" + approval.group(1);
    assertThat(alice.follow(requested).body())
        .contains("Nothing was done yet", "replay the 3 dead letters", "You asked for it");

    HttpResponse<String> own = alice.follow(alice.post(path + "/approve", "go=1"));
    assertThat(own.body()).contains("another operator must approve it (four eyes)");
    assertThat(viewer.post(path + "/approve", "go=1").statusCode()).isEqualTo(403);
    assertThat(
            console.scalar("SELECT state FROM ops_approvals WHERE id = ?::uuid", approval.group(1)))
        .isEqualTo("REQUESTED");
    assertThat(replays(approval.group(1))).as("nothing replayed before a second approval").isZero();

    // A fourth record parked after the request is not part of it.
    console.parkDeadLetters(1);

    // Bob approves twice at once (two tabs): one approval wins, the replay runs once.
    ConsoleSession bobAgain = console.loggedIn("bob");
    ExecutorService both = Executors.newFixedThreadPool(2);
    try {
      List<Future<HttpResponse<String>>> approvals =
          both.invokeAll(
              List.<Callable<HttpResponse<String>>>of(
                  () -> bob.post(path + "/approve", "go=1"),
                  () -> bobAgain.post(path + "/approve", "go=1")));
      for (Future<HttpResponse<String>> answer : approvals) {
        assertThat(answer.get().statusCode()).isEqualTo(302);
      }
    } finally {
      both.shutdown();
    }
    assertThat(replays(approval.group(1))).as("one replay ran").isEqualTo(1);
    assertThat(bob.get(path).body()).contains("DONE", "republished 3 records");
    assertThat(
            console.scalar(
                "SELECT actor || ': ' || parameters FROM ops_audit"
                    + " WHERE action = 'replay-dead-letters' AND outcome LIKE 'finished%'"
                    + " AND parameters LIKE ?",
                "%" + approval.group(1) + "%"))
        .startsWith("bob: ")
        .contains("requested by alice, approved by bob");
  }

  @Test
  void aFilterAListDoesNotKnowIsA400ThatSaysWhatItTakes() throws Exception {
    ConsoleSession viewer = console.loggedIn("viewer");
    HttpResponse<String> code = viewer.get("/lists/failed?code=NOPE");
    assertThat(code.statusCode()).isEqualTo(400);
    assertThat(code.body()).contains("code must be one of [");
    HttpResponse<String> state = viewer.get("/lists/stuck?state=COMPLETED");
    assertThat(state.statusCode()).isEqualTo(400);
    assertThat(state.body()).contains("final payments are not stuck");
    assertThat(viewer.get("/lists/stuck?unchangedFor=soon").statusCode()).isEqualTo(400);
    assertThat(viewer.get("/lists/failed?after=garbage").statusCode()).isEqualTo(400);
  }

  @Test
  void theFailedListPagesThroughEveryRowOnce() throws Exception {
    ConsoleFixture.Account account = console.account(100);
    String code = "DECLINED";
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 120; i++) {
      ids.add(
          console
              .payment(account, "page-" + i + "-" + UUID.randomUUID(), "FAILED", code, i % 7)
              .toString());
    }
    ConsoleSession viewer = console.loggedIn("viewer");
    java.util.Set<String> seen = new java.util.HashSet<>();
    int listed = 0;
    String next = "/lists/failed?code=" + code;
    Pattern row = Pattern.compile("href=\"/payments/([0-9a-f-]{36})\"");
    Pattern nextLink = Pattern.compile("id=\"next\" href=\"([^\"]+)\"");
    while (next != null) {
      String body = viewer.get(next.replace("&amp;", "&")).body();
      Matcher rows = row.matcher(body);
      while (rows.find()) {
        if (ids.contains(rows.group(1))) {
          listed++;
          seen.add(rows.group(1));
        }
      }
      Matcher link = nextLink.matcher(body);
      next = link.find() ? link.group(1) : null;
    }
    assertThat(seen).isEqualTo(ids);
    assertThat(listed).as("each row once").isEqualTo(ids.size());
  }

  /** How many replays an approval started: their audit's "started" rows name it. */
  private int replays(String approval) throws Exception {
    return Integer.parseInt(
        console.scalar(
            "SELECT count(*) FROM ops_audit WHERE action = 'replay-dead-letters'"
                + " AND outcome LIKE 'started replay%' AND parameters LIKE ?",
            "%" + approval + "%"));
  }
}

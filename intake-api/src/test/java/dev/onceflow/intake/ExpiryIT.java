package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.IntakeHttp.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.intake.transaction.DraftExpiry;
import dev.onceflow.intake.transaction.IdempotencyKeyPurge;
import dev.onceflow.testing.MoneyInvariant;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import tools.jackson.databind.JsonNode;

/**
 * Idempotency-Keys expire after their TTL and are purged; drafts expire if not confirmed in time.
 * The shared intake's jobs run hourly, so these tests run them when they choose.
 */
@ExtendWith(MoneyInvariant.class)
class ExpiryIT {

  private final TestIntake intake = TestIntake.shared();
  private final JdbcTemplate jdbc = intake.jdbc;
  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("expiry test");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 100_000);
  }

  @Test
  void remembersAKeyForTwentyFourHoursByDefault() {
    api.submit("ttl", payment(accountId, 100));

    Map<String, Object> key = keyRow("ttl");
    Duration ttl =
        Duration.between(
            ((Timestamp) key.get("created_at")).toInstant(),
            ((Timestamp) key.get("expires_at")).toInstant());
    assertThat(ttl).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void aKeyReusedAfterItsTtlStartsANewTransactionBeforeAnyPurge() {
    String first = id(api.submit("reused", payment(accountId, 100)));
    expireKey("reused");

    HttpResponse<String> again = api.submit("reused", payment(accountId, 100));

    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(again.headers().firstValue("Idempotent-Replay")).isEmpty();
    assertThat(id(again)).isNotEqualTo(first);
    assertThat(transactionIds()).containsExactlyInAnyOrder(first, id(again));
    // Both are found by the key, newest first: the expired key's transaction is not lost.
    JsonNode byKey = json(api.get("/transactions?idempotencyKey=reused")).get("data");
    assertThat(byKey).hasSize(2);
    assertThat(byKey.get(0).get("id").asString()).isEqualTo(id(again));
    assertThat(byKey.get(1).get("id").asString()).isEqualTo(first);
    assertThat(reserved()).isEqualTo(200);
    HttpResponse<String> replay = api.submit("reused", payment(accountId, 100));
    assertThat(id(replay)).isEqualTo(id(again));
    assertThat(replay.headers().firstValue("Idempotent-Replay")).contains("true");
  }

  @Test
  void aTransactionStaysFindableByItsKeyOnceTheKeyIsPurged() {
    String id = id(api.submit("forgotten", payment(accountId, 100)));
    expireKey("forgotten");
    intake.context.getBean(IdempotencyKeyPurge.class).purgeExpired();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM idempotency_keys WHERE client_id = ?",
                Integer.class,
                client.id()))
        .isZero();

    JsonNode byKey = json(api.get("/transactions?idempotencyKey=forgotten")).get("data");
    assertThat(byKey).hasSize(1);
    assertThat(byKey.get(0).get("id").asString()).isEqualTo(id);
    assertThat(api.submit("forgotten", payment(accountId, 555)).statusCode()).isEqualTo(202);
    assertThat(transactionIds()).hasSize(2);
  }

  @Test
  void concurrentReusesOfAnExpiredKeyMakeOneNewTransaction() throws Exception {
    String first = id(api.submit("race", payment(accountId, 300)));
    expireKey("race");
    var pool = Executors.newFixedThreadPool(12);
    List<Callable<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      requests.add(() -> api.submit("race", payment(accountId, 300)));
    }
    List<String> ids = new ArrayList<>();
    try {
      for (Future<HttpResponse<String>> response : pool.invokeAll(requests)) {
        assertThat(response.get().statusCode()).isEqualTo(202);
        ids.add(id(response.get()));
      }
    } finally {
      pool.shutdown();
    }

    assertThat(ids).hasSize(30).containsOnly(ids.get(0)).doesNotContain(first);
    assertThat(transactionIds()).hasSize(2);
    assertThat(reserved()).isEqualTo(600);
    assertThat(OutboxAudit.eventsFor(jdbc, ids.get(0))).containsExactly("TransactionRequested");
  }

  @Test
  void thePurgeDeletesOnlyExpiredKeysInBatchesAndNeverTransactions() {
    for (int i = 0; i < 7; i++) {
      api.submit("purge-" + i, payment(accountId, 10));
    }
    for (int i = 0; i < 5; i++) {
      expireKey("purge-" + i);
    }

    int purged = intake.context.getBean(IdempotencyKeyPurge.class).purgeExpired();

    // Batches of 3 in the shared intake: 5 expired keys take more than one batch.
    assertThat(purged).isGreaterThanOrEqualTo(5);
    assertThat(
            jdbc.queryForList(
                "SELECT idempotency_key FROM idempotency_keys WHERE client_id = ?",
                String.class,
                client.id()))
        .containsExactlyInAnyOrder("purge-5", "purge-6");
    assertThat(transactionIds()).hasSize(7);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM idempotency_keys WHERE expires_at <= now()", Integer.class))
        .isZero();
  }

  @Test
  void theKeyPurgeAndTheDraftExpiryAreScheduled() {
    List<String> scheduled = new ArrayList<>();
    for (ScheduledTaskHolder holder :
        intake.context.getBeansOfType(ScheduledTaskHolder.class).values()) {
      for (ScheduledTask task : holder.getScheduledTasks()) {
        if (task.getTask() instanceof FixedDelayTask fixedDelay) {
          // The runnable may be wrapped (outcome tracking); its text names the scheduled method.
          scheduled.add(fixedDelay.getRunnable() + " every " + fixedDelay.getIntervalDuration());
        }
      }
    }

    assertThat(scheduled)
        .anySatisfy(
            task ->
                assertThat(task)
                    .contains("IdempotencyKeyPurge.purgeExpired")
                    .endsWith("every PT1H"))
        .anySatisfy(
            task -> assertThat(task).contains("DraftExpiry.expireOverdue").endsWith("every PT1H"));
  }

  @Test
  void aDraftNotConfirmedInTimeExpiresAndCanNoLongerBeConfirmed() {
    String id = id(api.draft(null, payment(accountId, 1_000)));
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT created_at, lease_until FROM transactions WHERE id = ?", UUID.fromString(id));
    assertThat(
            Duration.between(
                ((Timestamp) row.get("created_at")).toInstant(),
                ((Timestamp) row.get("lease_until")).toInstant()))
        .isEqualTo(Duration.ofHours(1));
    makeOverdue(id);

    int expired = intake.context.getBean(DraftExpiry.class).expireOverdue();
    HttpResponse<String> confirm = api.confirm(id);

    assertThat(expired).isGreaterThanOrEqualTo(1);
    assertThat(confirm.statusCode()).isEqualTo(422);
    JsonNode body = json(confirm);
    assertThat(body.get("state").asString()).isEqualTo("FAILED");
    assertThat(body.get("failure").get("code").asString()).isEqualTo("DRAFT_EXPIRED");
    assertThat(reserved()).isZero();
    assertThat(OutboxAudit.eventsFor(jdbc, id)).isEmpty();
  }

  @Test
  void aConfirmOfAnOverdueDraftExpiresItEvenBeforeTheJobRuns() {
    String id = id(api.draft(null, payment(accountId, 1_000)));
    makeOverdue(id);

    HttpResponse<String> confirm = api.confirm(id);

    assertThat(confirm.statusCode()).isEqualTo(422);
    assertThat(json(confirm).get("failure").get("code").asString()).isEqualTo("DRAFT_EXPIRED");
    assertThat(state(api.get("/transactions/" + id))).isEqualTo("FAILED");
    assertThat(reserved()).isZero();
  }

  @Test
  void theExpiryLeavesConfirmedAndOpenDraftsAlone() {
    String confirmed = id(api.draft(null, payment(accountId, 100)));
    api.confirm(confirmed);
    String open = id(api.draft(null, payment(accountId, 100)));
    jdbc.update(
        "UPDATE transactions SET lease_until = now() - interval '1 minute' WHERE id = ?",
        UUID.fromString(confirmed));

    intake.context.getBean(DraftExpiry.class).expireOverdue();

    assertThat(state(api.get("/transactions/" + confirmed))).isEqualTo("PENDING");
    assertThat(state(api.get("/transactions/" + open))).isEqualTo("DRAFT");
  }

  private void expireKey(String key) {
    int rows =
        jdbc.update(
            "UPDATE idempotency_keys SET expires_at = now() - interval '1 second'"
                + " WHERE client_id = ? AND idempotency_key = ?",
            client.id(),
            key);
    assertThat(rows).isEqualTo(1);
  }

  private void makeOverdue(String draftId) {
    jdbc.update(
        "UPDATE transactions SET lease_until = now() - interval '1 second' WHERE id = ? AND state = 'DRAFT'",
        UUID.fromString(draftId));
  }

  private Map<String, Object> keyRow(String key) {
    return jdbc.queryForMap(
        "SELECT * FROM idempotency_keys WHERE client_id = ? AND idempotency_key = ?",
        client.id(),
        key);
  }

  private List<String> transactionIds() {
    return jdbc.queryForList(
        "SELECT id::text FROM transactions WHERE client_id = ?", String.class, client.id());
  }

  private long reserved() {
    return jdbc.queryForObject("SELECT reserved FROM accounts WHERE id = ?", Long.class, accountId);
  }
}

package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.IntakeHttp.state;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.MoneyInvariant;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** The article's two-step flow: POST /transactions/drafts, then PUT /transactions/{id}/confirm. */
@ExtendWith(MoneyInvariant.class)
class DraftFlowIT {

  private final TestIntake intake = TestIntake.shared();
  private final JdbcTemplate jdbc = intake.jdbc;
  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("draft test");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 10_000);
  }

  @Test
  void createsADraftThatReservesNothingAndPublishesNothing() {
    HttpResponse<String> created = api.draft(null, payment(accountId, 4_000));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(state(created)).isEqualTo("DRAFT");
    assertThat(created.headers().firstValue("Location")).contains("/transactions/" + id(created));
    assertThat(reserved()).isZero();
    assertThat(OutboxAudit.eventsFor(jdbc, id(created))).isEmpty();
    assertThat(state(api.get("/transactions/" + id(created)))).isEqualTo("DRAFT");
  }

  @Test
  void confirmingTwiceMakesOnePaymentWithOneReservationAndOneEvent() {
    String id = id(api.draft(null, payment(accountId, 4_000)));

    HttpResponse<String> first = api.confirm(id);
    HttpResponse<String> second = api.confirm(id);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(state(first)).isEqualTo("PENDING");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(state(second)).isEqualTo("PENDING");
    assertThat(id(second)).isEqualTo(id);
    assertThat(reserved()).isEqualTo(4_000);
    assertThat(OutboxAudit.eventsFor(jdbc, id)).containsExactly("TransactionRequested");
  }

  @Test
  void concurrentConfirmsMoveTheDraftOnce() throws Exception {
    String id = id(api.draft(null, payment(accountId, 3_000)));
    var pool = Executors.newFixedThreadPool(10);
    List<Callable<HttpResponse<String>>> confirms = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      confirms.add(() -> api.confirm(id));
    }
    try {
      for (Future<HttpResponse<String>> confirm : pool.invokeAll(confirms)) {
        assertThat(confirm.get().statusCode()).isEqualTo(200);
        assertThat(state(confirm.get())).isEqualTo("PENDING");
      }
    } finally {
      pool.shutdown();
    }

    assertThat(reserved()).isEqualTo(3_000);
    assertThat(OutboxAudit.eventsFor(jdbc, id)).containsExactly("TransactionRequested");
  }

  @Test
  void confirmingWithoutFundsFailsTheDraftAndRepliesTheSameLater() {
    String big = id(api.draft(null, payment(accountId, 8_000)));
    String other = id(api.draft(null, payment(accountId, 3_000)));
    assertThat(api.confirm(big).statusCode()).isEqualTo(200);

    HttpResponse<String> refused = api.confirm(other);
    HttpResponse<String> again = api.confirm(other);

    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode body = json(refused);
    assertThat(body.get("state").asString()).isEqualTo("FAILED");
    assertThat(body.get("failure").get("code").asString()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(again.statusCode()).isEqualTo(422);
    assertThat(json(again).get("failure").get("code").asString()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(reserved()).isEqualTo(8_000);
    assertThat(OutboxAudit.eventsFor(jdbc, other)).containsExactly("TransactionFailed");
  }

  @Test
  void withAKeyTheDraftsCreationIsIdempotentToo() {
    HttpResponse<String> first = api.draft("draft-1", payment(accountId, 100));
    HttpResponse<String> replay = api.draft("draft-1", payment(accountId, 100));
    HttpResponse<String> otherPayload = api.draft("draft-1", payment(accountId, 101));

    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(id(replay)).isEqualTo(id(first));
    assertProblem(otherPayload, 422, "idempotency-key-reused");
    assertThat(draftCount()).isEqualTo(1);

    api.confirm(id(first));
    HttpResponse<String> afterConfirm = api.draft("draft-1", payment(accountId, 100));
    assertThat(id(afterConfirm)).isEqualTo(id(first));
    assertThat(state(afterConfirm)).isEqualTo("PENDING");
  }

  @Test
  void aKeyCannotServeBothADraftAndADirectSubmission() {
    api.draft("both", payment(accountId, 100));

    assertProblem(api.submit("both", payment(accountId, 100)), 422, "idempotency-key-reused");
    assertThat(reserved()).isZero();
  }

  @Test
  void withoutAKeyEveryCreationIsANewDraft() {
    String first = id(api.draft(null, payment(accountId, 100)));
    String second = id(api.draft(null, payment(accountId, 100)));

    assertThat(second).isNotEqualTo(first);
    assertThat(draftCount()).isEqualTo(2);
  }

  @Test
  void refusesInvalidDraftsAndStoresNothing() {
    assertProblem(api.draft("bad-1", payment(UUID.randomUUID(), 100)), 404, "account-not-found");
    assertProblem(api.draft("bad-2", payment(accountId, 100, "USD")), 422, "currency-mismatch");
    assertProblem(api.draft("bad-3", payment(accountId, 0)), 400, "invalid-request");
    assertProblem(api.draft("with space", payment(accountId, 100)), 400, "invalid-idempotency-key");
    assertProblem(api.draft(null, "{"), 400, "malformed-body");

    assertThat(draftCount()).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM idempotency_keys WHERE client_id = ?",
                Integer.class,
                client.id()))
        .isZero();
  }

  @Test
  void anotherClientCannotSeeOrConfirmTheDraft() {
    String id = id(api.draft(null, payment(accountId, 100)));
    IntakeHttp other = intake.http(intake.admin().newClient("other").apiKey());

    assertProblem(other.confirm(id), 404, "transaction-not-found");
    assertProblem(other.get("/transactions/" + id), 404, "transaction-not-found");
    assertProblem(api.confirm(UUID.randomUUID().toString()), 404, "transaction-not-found");
    assertThat(state(api.get("/transactions/" + id))).isEqualTo("DRAFT");
  }

  @Test
  void confirmingADirectSubmissionChangesNothing() {
    String id = id(api.submit("direct", payment(accountId, 700)));

    HttpResponse<String> confirm = api.confirm(id);

    assertThat(confirm.statusCode()).isEqualTo(200);
    assertThat(state(confirm)).isEqualTo("PENDING");
    assertThat(reserved()).isEqualTo(700);
    assertThat(OutboxAudit.eventsFor(jdbc, id)).containsExactly("TransactionRequested");
  }

  private long reserved() {
    return jdbc.queryForObject("SELECT reserved FROM accounts WHERE id = ?", Long.class, accountId);
  }

  private int draftCount() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM transactions WHERE client_id = ?", Integer.class, client.id());
  }
}

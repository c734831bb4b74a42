package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.MoneyInvariant;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

/** POST /transactions and its reads, over HTTP against a real PostgreSQL. */
@ExtendWith(MoneyInvariant.class)
class IntakeApiIT {

  private static final String IBAN = IntakeHttp.IBAN;

  private final TestIntake intake = TestIntake.shared();
  private final JdbcTemplate jdbc = intake.jdbc;
  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("intake test");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 100_000);
  }

  @Test
  void acceptsANewPaymentWithLocationAndReservesItsAmount() {
    HttpResponse<String> response = api.submit("k-1", payment(accountId, 1250));

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode body = json(response);
    assertThat(body.get("state").asString()).isEqualTo("PENDING");
    assertThat(body.get("amount").asLong()).isEqualTo(1250);
    assertThat(body.get("creditor").get("iban").asString()).isEqualTo(IBAN);
    assertThat(response.headers().firstValue("Location"))
        .contains("/transactions/" + body.get("id").asString());
    assertThat(reserved(accountId)).isEqualTo(1250);
    HttpResponse<String> read = api.get("/transactions/" + body.get("id").asString());
    assertThat(read.statusCode()).isEqualTo(200);
    // The ids that find it elsewhere: the client's key, and the trace of its submission.
    assertThat(json(read).get("idempotencyKey").asString()).isEqualTo("k-1");
    assertThat(json(read).get("traceId").asString())
        .matches("[0-9a-f]{32}")
        .isEqualTo(body.get("traceId").asString());
    assertThat(OutboxAudit.eventsFor(jdbc, id(response))).containsExactly("TransactionRequested");
  }

  @Test
  void replaysFirstResponseForSameKey() {
    HttpResponse<String> first = api.submit("k-2", payment(accountId, 500));
    HttpResponse<String> second = api.submit("k-2", payment(accountId, 500));

    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(second.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(first.headers().firstValue("Idempotent-Replay")).isEmpty();
    assertThat(id(second)).isEqualTo(id(first));
    assertThat(transactionCount()).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(500);
  }

  @Test
  void treatsReorderedFieldsAndQuotedKeysAsTheSameRequest() {
    HttpResponse<String> first = api.submit("k-3", payment(accountId, 700));
    String reordered =
        """
        {  "reference": "invoice 42", "creditor": {"iban": "DE89 3704 0044 0532 0130 00", "name": "ACME GmbH"},
           "currency": "EUR", "amount": 700, "accountId": "%s" }
        """
            .formatted(accountId);
    HttpResponse<String> second = api.submit("\"k-3\"", reordered);

    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(id(second)).isEqualTo(id(first));
    assertThat(transactionCount()).isEqualTo(1);
  }

  @Test
  void refusesSameKeyWithDifferentPayloadAndChangesNothing() {
    HttpResponse<String> first = api.submit("k-4", payment(accountId, 300));
    HttpResponse<String> other = api.submit("k-4", payment(accountId, 301));

    assertProblem(other, 422, "idempotency-key-reused");
    assertThat(transactionCount()).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(300);
    assertThat(id(api.submit("k-4", payment(accountId, 300)))).isEqualTo(id(first));
  }

  @Test
  void rejectsMissingOrMalformedKeysAndStoresNothing() {
    HttpResponse<String> missing = api.submit(null, payment(accountId, 100));
    HttpResponse<String> tooLong = api.submit("x".repeat(256), payment(accountId, 100));
    HttpResponse<String> notVisible = api.submit("with space", payment(accountId, 100));

    for (HttpResponse<String> response : List.of(missing, tooLong, notVisible)) {
      assertProblem(response, 400, "invalid-idempotency-key");
    }
    assertNothingStored();
  }

  @Test
  void rejectsMalformedJsonAndInvalidFieldsAndStoresNothing() {
    assertProblem(api.submit("k-5", "{\"amount\": 12"), 400, "malformed-body");
    assertProblem(api.submit("k-6", payment(accountId, -5)), 400, "invalid-request");
    assertProblem(
        api.submit("k-6", payment(accountId, 100).replace("\"amount\": 100", "\"amount\": 100.5")),
        400,
        "malformed-body");
    assertProblem(
        api.submit("k-7", payment(accountId, 100).replace(IBAN, "DE00370400440532013000")),
        400,
        "invalid-request");
    assertProblem(api.submit("k-8", payment(accountId, 100, "EURO")), 400, "invalid-currency");
    assertProblem(api.submit("k-8", payment(accountId, 100, "XYZ")), 400, "invalid-currency");
    assertProblem(api.submit("k-8", payment(accountId, 100, "XAU")), 400, "invalid-currency");
    assertProblem(api.submit("k-8", payment(accountId, 100, "XTS")), 400, "invalid-currency");
    assertProblem(
        api.submit("k-9", payment(accountId, 100).replace("invoice 42", "r".repeat(141))),
        400,
        "invalid-request");
    assertProblem(api.submit("k-10", payment(accountId, 100_000_000_001L)), 400, "invalid-request");
    assertProblem(
        api.submit("k-11", payment(accountId, 100).replace("\"ACME GmbH\"", "\"\"")),
        400,
        "invalid-request");
    for (String invisible : new String[] {"\u200b", "\u202e", "\ufeff", "\u00ad"}) {
      assertProblem(
          api.submit(
              "k-12", payment(accountId, 100).replace("ACME GmbH", "ACME" + invisible + " GmbH")),
          400,
          "invalid-request");
      assertProblem(
          api.submit(
              "k-13", payment(accountId, 100).replace("invoice 42", "invoice" + invisible + " 42")),
          400,
          "invalid-request");
    }
    assertNothingStored();
  }

  @Test
  void refusesAnUnknownFieldNamingItAndStoresNothing() {
    HttpResponse<String> misspelt =
        api.submit("k-14", payment(accountId, 100).replace("\"reference\"", "\"refrence\""));
    assertProblem(misspelt, 400, "unknown-field");
    assertThat(json(misspelt).get("detail").asString()).contains("'refrence'");
    HttpResponse<String> nested =
        api.submit("k-15", payment(accountId, 100).replace("\"name\"", "\"nmae\""));
    assertProblem(nested, 400, "unknown-field");
    assertThat(json(nested).get("detail").asString()).contains("'creditor.nmae'");
    assertNothingStored();
  }

  @Test
  void theLargestAmountIsCountedInEachCurrencysOwnMinorUnits() {
    UUID yen = intake.admin().openAccount(client.id(), "JPY", 1_000_000_000_000L);

    // The default limit, a billion in major units: 10^9 yen, 10^11 cents, 10^12 fils.
    assertThat(api.submit("k-yen", payment(yen, 1_000_000_000L, "JPY")).statusCode())
        .isEqualTo(202);
    HttpResponse<String> tooMuch = api.submit("k-yen-2", payment(yen, 1_000_000_001L, "JPY"));
    assertProblem(tooMuch, 400, "invalid-request");
    assertThat(json(tooMuch).get("detail").asString())
        .isEqualTo(
            "'amount' must be a positive integer of minor units (JPY has 0 decimals), at most"
                + " 1000000000.");
    assertThat(
            json(api.submit("k-bhd", payment(yen, 1_000_000_000_001L, "BHD")))
                .get("detail")
                .asString())
        .contains("(BHD has 3 decimals), at most 1000000000000.");
  }

  @Test
  void refusesACurrencyOtherThanTheAccountsAndStoresNothing() {
    assertProblem(api.submit("k-12", payment(accountId, 100, "USD")), 422, "currency-mismatch");

    assertNothingStored();
    assertThat(api.submit("k-12", payment(accountId, 100, "EUR")).statusCode()).isEqualTo(202);
  }

  @Test
  void refusesAnUnknownAccountWithoutKeepingTheKey() {
    assertProblem(api.submit("k-13", payment(UUID.randomUUID(), 100)), 404, "account-not-found");

    assertNothingStored();
    assertThat(api.submit("k-13", payment(accountId, 100)).statusCode()).isEqualTo(202);
  }

  @Test
  void refusesAnotherClientsAccountAsUnknown() {
    Client other = intake.admin().newClient("other");
    UUID foreignAccount = intake.admin().openAccount(other.id(), "EUR", 100_000);

    assertProblem(api.submit("k-14", payment(foreignAccount, 100)), 404, "account-not-found");
    assertNothingStored();
    assertThat(reserved(foreignAccount)).isZero();
  }

  @Test
  void refusesABodyLargerThanTheLimitAndStoresNothing() {
    String padded = payment(accountId, 100).replace("\"invoice 42\"", "\"x\"" + " ".repeat(17_000));
    HttpResponse<String> declared = api.submit("k-15", padded);
    HttpResponse<String> chunked =
        IntakeHttp.send(
            api.request("/transactions")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "k-15")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(padded.getBytes(StandardCharsets.UTF_8))))
                .build());

    assertProblem(declared, 413, "body-too-large");
    assertProblem(chunked, 413, "body-too-large");
    assertNothingStored();
    assertThat(api.submit("k-15", payment(accountId, 100)).statusCode()).isEqualTo(202);
  }

  @Test
  void recordsInsufficientFundsAsFailedAndReplaysTheRefusal() {
    HttpResponse<String> refused = api.submit("k-16", payment(accountId, 100_001));
    HttpResponse<String> replay = api.submit("k-16", payment(accountId, 100_001));

    assertThat(refused.statusCode()).isEqualTo(422);
    JsonNode body = json(refused);
    assertThat(body.get("state").asString()).isEqualTo("FAILED");
    assertThat(body.get("failure").get("code").asString()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(replay.statusCode()).isEqualTo(422);
    assertThat(replay.headers().firstValue("Idempotent-Replay")).contains("true");
    assertThat(id(replay)).isEqualTo(id(refused));
    assertThat(reserved(accountId)).isZero();
    assertThat(transactionCount()).isEqualTo(1);
  }

  @Test
  void fiftyConcurrentRequestsWithOneKeyMakeOneTransaction() throws Exception {
    var pool = Executors.newFixedThreadPool(16);
    List<Callable<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(() -> api.submit("k-17", payment(accountId, 900)));
    }
    List<String> ids = new ArrayList<>();
    int replays = 0;
    try {
      for (Future<HttpResponse<String>> response : pool.invokeAll(requests)) {
        assertThat(response.get().statusCode()).isEqualTo(202);
        ids.add(id(response.get()));
        replays += response.get().headers().firstValue("Idempotent-Replay").isPresent() ? 1 : 0;
      }
    } finally {
      pool.shutdown();
    }

    assertThat(ids).hasSize(50).containsOnly(ids.get(0));
    assertThat(replays).isEqualTo(49);
    assertThat(transactionCount()).isEqualTo(1);
    assertThat(reserved(accountId)).isEqualTo(900);
    assertThat(OutboxAudit.eventsFor(jdbc, ids.get(0))).containsExactly("TransactionRequested");
  }

  @Test
  void keysAreScopedToTheirClient() {
    Client other = intake.admin().newClient("other");
    UUID otherAccount = intake.admin().openAccount(other.id(), "EUR", 100_000);

    String mine = id(api.submit("shared-key", payment(accountId, 100)));
    String theirs =
        id(intake.http(other.apiKey()).submit("shared-key", payment(otherAccount, 100)));

    assertThat(theirs).isNotEqualTo(mine);
  }

  @Test
  void aClientSeesOnlyItsOwnTransactionsAndMustAuthenticate() {
    String id = id(api.submit("k-18", payment(accountId, 100)));
    IntakeHttp other = intake.http(intake.admin().newClient("other").apiKey());

    assertProblem(other.get("/transactions/" + id), 404, "transaction-not-found");
    assertThat(json(other.get("/transactions?idempotencyKey=k-18")).get("data")).isEmpty();
    assertThat(other.get("/transactions").body()).doesNotContain(id);
    assertProblem(other.get("/accounts/" + accountId), 404, "account-not-found");
    assertProblem(intake.http(null).get("/transactions/" + id), 401, "unauthorized");
    assertProblem(intake.http("wrong-key").get("/transactions/" + id), 401, "unauthorized");
    assertProblem(intake.http(TestIntake.ADMIN_KEY).get("/accounts"), 401, "unauthorized");
  }

  @Test
  void findsATransactionByItsIdempotencyKey() {
    String id = id(api.submit("k-19", payment(accountId, 100)));

    HttpResponse<String> byKey = api.get("/transactions?idempotencyKey=k-19");

    assertThat(byKey.statusCode()).isEqualTo(200);
    assertThat(json(byKey).get("data")).hasSize(1);
    assertThat(json(byKey).get("data").get(0).get("id").asString()).isEqualTo(id);
    assertThat(json(api.get("/transactions?idempotencyKey=never-used")).get("data")).isEmpty();
  }

  @Test
  void showsBalanceReservedAndAvailableOfTheClientsAccounts() {
    api.submit("k-20", payment(accountId, 2_500));

    JsonNode account = json(api.get("/accounts/" + accountId));
    JsonNode list = json(api.get("/accounts"));

    assertThat(account.get("balance").asLong()).isEqualTo(100_000);
    assertThat(account.get("reserved").asLong()).isEqualTo(2_500);
    assertThat(account.get("available").asLong()).isEqualTo(97_500);
    assertThat(list.get("data")).hasSize(1);
    assertThat(list.get("data").get(0).get("id").asString()).isEqualTo(accountId.toString());
  }

  @Test
  void answersEveryOtherErrorAsATypedProblem() {
    assertProblem(api.get("/nowhere"), 404, "not-found");
    assertProblem(
        api.undocumentedRequests().post("/accounts", "{\"currency\": \"EUR\"}"),
        405,
        "method-not-allowed");
    assertProblem(api.get("/transactions/not-a-uuid"), 400, "invalid-parameter");
    assertProblem(
        IntakeHttp.send(
            api.request("/transactions")
                .header("Content-Type", "text/plain")
                .header("Idempotency-Key", "k-21")
                .POST(HttpRequest.BodyPublishers.ofString("hello"))
                .build()),
        415,
        "unsupported-media-type");
    assertNothingStored();
  }

  private void assertNothingStored() {
    assertThat(transactionCount()).isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM idempotency_keys WHERE client_id = ?",
                Integer.class,
                client.id()))
        .isZero();
    assertThat(reserved(accountId)).isZero();
  }

  private long reserved(UUID account) {
    return jdbc.queryForObject("SELECT reserved FROM accounts WHERE id = ?", Long.class, account);
  }

  private int transactionCount() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM transactions WHERE client_id = ?", Integer.class, client.id());
  }
}

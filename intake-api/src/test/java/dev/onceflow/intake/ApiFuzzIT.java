package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generated bad requests against a running intake-api over a raw socket (so that nothing a real
 * client library would clean up is cleaned up): malformed and truncated JSON, wrong types, amounts
 * out of range, oversize bodies, odd Unicode and control characters in keys and headers, wrong
 * content types, missing and forged credentials; for payments, drafts, confirms and the admin API
 * (its bodies, Idempotency-Key and Onceflow-Actor headers). Every one must get a 4xx problem+json,
 * never a 5xx, and leave nothing stored for anyone.
 */
class ApiFuzzIT {

  /** A request as bytes, with what it is meant to be wrong about. */
  record BadRequest(String what, byte[] head, byte[] body) {

    /** The same request sent as {@code method path}: the head's first line replaced. */
    BadRequest as(String method, String path) {
      int lineEnd = 0;
      while (lineEnd < head.length && head[lineEnd] != '\r') {
        lineEnd++;
      }
      ByteArrayOutputStream moved = new ByteArrayOutputStream();
      moved.writeBytes(wireBytes(method + " " + path + " HTTP/1.1"));
      moved.write(head, lineEnd, head.length - lineEnd);
      return new BadRequest(what + " (" + method + " " + path + ")", moved.toByteArray(), body);
    }

    @Override
    public String toString() {
      return what
          + " | "
          + new String(head, StandardCharsets.UTF_8).replace("\r\n", " \\r\\n ")
          + " | "
          + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final long OPENING = 1_000_000;

  private static TestIntake intake;
  private static RawHttp http;
  private static Client client;
  private static UUID account;
  private static UUID othersAccount;

  @BeforeContainer
  static void clientsWithAccounts() {
    intake = TestIntake.shared();
    http =
        new RawHttp(
            Integer.parseInt(intake.baseUrl.substring(intake.baseUrl.lastIndexOf(':') + 1)));
    client = intake.admin().newClient("fuzzed");
    account = intake.admin().openAccount(client.id(), "EUR", OPENING);
    Client other = intake.admin().newClient("bystander");
    othersAccount = intake.admin().openAccount(other.id(), "EUR", OPENING);
  }

  @Property(tries = 400)
  void badBodiesGetAProblemAndStoreNothing(@ForAll("badBodies") BadRequest request) {
    assertRefused(request);
  }

  @Property(tries = 300)
  void badHeadersGetAProblemAndStoreNothing(@ForAll("badHeaders") BadRequest request) {
    assertRefused(request);
  }

  /** The same bad bodies to create a draft: refused alike, no draft left behind. */
  @Property(tries = 200)
  void badDraftBodiesGetAProblemAndStoreNothing(@ForAll("badBodies") BadRequest request) {
    assertRefused(request.as("POST", "/transactions/drafts"));
  }

  @Property(tries = 100)
  void badConfirmsGetAProblemAndConfirmNothing(@ForAll("badConfirms") BadRequest request) {
    assertRefused(request);
  }

  @Property(tries = 300)
  void badAdminRequestsGetAProblemAndCreateNothing(@ForAll("badAdminRequests") BadRequest request) {
    long clients = intake.jdbc.queryForObject("SELECT count(*) FROM clients", Long.class);
    assertRefused(request);
    assertThat(intake.jdbc.queryForObject("SELECT count(*) FROM clients", Long.class))
        .as("clients after %s", request)
        .isEqualTo(clients);
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE client_id = ?", Long.class, client.id()))
        .as("the fuzzed client's accounts after %s", request)
        .isEqualTo(1);
  }

  /**
   * Found by the generator: a lone surrogate once reached the server as '?' and was a valid key.
   */
  @Example
  void aKeyWithALoneSurrogateIsRefused() {
    assertRefused(
        request(
            "odd key",
            "POST",
            "/transactions",
            List.of(auth(), "Content-Type: application/json", "Idempotency-Key: k\ud800k"),
            validPayment()));
  }

  private static void assertRefused(BadRequest request) {
    RawHttp.Response response = http.send(request.head(), request.body());
    assertThat(response.status()).as("%s -> %s", request, response).isBetween(400, 499);
    assertThat(response.contentType())
        .as("%s -> %s", request, response)
        .startsWith("application/problem+json");
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.path("status").asInt()).as(response.body()).isEqualTo(response.status());
    assertThat(problem.path("type").asString(""))
        .as(response.body())
        .startsWith("https://onceflow.dev/problems/");
    assertThat(problem.path("detail").asString("")).as(response.body()).isNotBlank();
    assertNothingStored(request);
  }

  private static void assertNothingStored(BadRequest request) {
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM transactions WHERE account_id IN (?, ?)",
                Long.class,
                account,
                othersAccount))
        .as("transactions after %s", request)
        .isZero();
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM idempotency_keys WHERE client_id = ?",
                Long.class,
                client.id()))
        .as("keys after %s", request)
        .isZero();
    assertThat(
            intake.jdbc.queryForObject(
                "SELECT count(*) FROM accounts WHERE id IN (?, ?) AND balance = ? AND reserved = 0",
                Long.class,
                account,
                othersAccount,
                OPENING))
        .as("untouched accounts after %s", request)
        .isEqualTo(2);
  }

  // --- bodies: everything right but the body ---

  @Provide
  Arbitrary<BadRequest> badBodies() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300).map(body -> post("random text", body)),
        Arbitraries.integers()
            .between(0, validPayment().length() - 1)
            .map(cut -> post("truncated JSON", validPayment().substring(0, cut))),
        Arbitraries.of(
                "[]",
                "\"payment\"",
                "42",
                "null",
                "true",
                "{",
                "}",
                "{}",
                "{\"creditor\": []}",
                "[".repeat(5_000) + "]".repeat(5_000),
                "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000))
            .map(body -> post("not a payment object", body)),
        fieldWithBadValue(),
        Arbitraries.integers()
            .between(16 * 1024 + 1, 200_000)
            .map(
                size ->
                    post("oversize body", validPayment().replace("invoice 42", "x".repeat(size)))));
  }

  /** A valid payment with exactly one field replaced by a value of the wrong type or range. */
  private Arbitrary<BadRequest> fieldWithBadValue() {
    Arbitrary<String> badAmount =
        Arbitraries.oneOf(
            Arbitraries.longs().lessOrEqual(0).map(Object::toString),
            Arbitraries.longs().between(100_000_000_001L, Long.MAX_VALUE).map(Object::toString),
            Arbitraries.of(
                "\"100\"",
                "12.5",
                "1e3",
                "1e30",
                "99999999999999999999999",
                "-0",
                "true",
                "null",
                "[]",
                "{}",
                "\"\"",
                "0x10",
                "NaN",
                "Infinity"));
    Arbitrary<String> badText =
        Arbitraries.oneOf(
            Arbitraries.of(
                "null",
                "5",
                "true",
                "[]",
                "{}",
                "\"\"",
                "\"   \"",
                "\"\\u0000\"",
                "\"a\\u0007b\"",
                "\"\\ud800\"",
                "\"x\\udfff\"",
                "\"" + "n".repeat(141) + "\""),
            Arbitraries.strings()
                .withCharRange('\u0000', '\u001f')
                .ofMinLength(1)
                .ofMaxLength(5)
                .map(control -> JSON.writeValueAsString("ACME" + control + "GmbH")));
    Arbitrary<String> badAccount =
        Arbitraries.oneOf(
            Arbitraries.of(
                "null", "\"\"", "\"not-a-uuid\"", "42", "[]", "\"" + othersAccount + "\""),
            Arbitraries.create(UUID::randomUUID).map(id -> "\"" + id + "\""));
    Arbitrary<String> badCurrency =
        Arbitraries.of(
            "null", "\"\"", "\"EURO\"", "\"E1R\"", "\"XYZ\"", "\"USD\"", "978", "[\"EUR\"]");
    Arbitrary<String> badIban =
        Arbitraries.of(
            "null",
            "\"\"",
            "\"DE00370400440532013000\"",
            "\"not an iban\"",
            "\"DE89\"",
            "12345",
            "\"DE89 3704 0044 0532 0130 00 0000 0000 0000 0000\"");
    return Arbitraries.oneOf(
        badAmount.map(v -> payment("amount", v)),
        badAccount.map(v -> payment("accountId", v)),
        badCurrency.map(v -> payment("currency", v)),
        badText.map(v -> payment("name", v)),
        badText
            .filter(v -> !v.equals("null") && !v.equals("\"\"") && !v.equals("\"   \""))
            .filter(v -> v.startsWith("\""))
            .map(v -> payment("reference", v)),
        badIban.map(v -> payment("iban", v)),
        Arbitraries.of("amount", "accountId", "currency").map(field -> missing(field)),
        Arbitraries.just(
            post(
                "a field given twice",
                validPayment().replace("\"amount\": 1250", "\"amount\": 1250, \"amount\": 2500"))));
  }

  // --- headers: a valid body, one header wrong ---

  @Provide
  Arbitrary<BadRequest> badHeaders() {
    Arbitrary<String> oddKeyPart =
        Arbitraries.oneOf(
            Arbitraries.strings()
                .withCharRange('\u0000', '\u001f')
                .excludeChars('\r', '\n', '\t')
                .ofMinLength(1)
                .ofMaxLength(3),
            Arbitraries.of("\u007f", "é", "ключ", "💳", "\u200b", "\u202e", "\ufeff", " ", "\t"),
            Arbitraries.strings().withCharRange('\u0080', '\uffff').ofMinLength(1).ofMaxLength(5));
    Arbitrary<BadRequest> oddKeys =
        oddKeyPart.map(
            odd ->
                request(
                    "odd key",
                    "POST",
                    "/transactions",
                    List.of(
                        auth(), "Content-Type: application/json", "Idempotency-Key: k" + odd + "k"),
                    validPayment()));
    Arbitrary<BadRequest> badKeys =
        Arbitraries.of(
                "",
                "   ",
                "\"unterminated",
                "\"a\\b\"",
                "\"\"",
                "x".repeat(256),
                "\"" + "y".repeat(300) + "\"")
            .map(
                key ->
                    request(
                        "bad key",
                        "POST",
                        "/transactions",
                        List.of(
                            auth(), "Content-Type: application/json", "Idempotency-Key: " + key),
                        validPayment()));
    Arbitrary<BadRequest> noKey =
        Arbitraries.just(
            request(
                "no key",
                "POST",
                "/transactions",
                List.of(auth(), "Content-Type: application/json"),
                validPayment()));
    Arbitrary<BadRequest> contentTypes =
        Arbitraries.of(
                "text/plain",
                "application/xml",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "image/png",
                "json",
                "application/octet-stream")
            .map(
                type ->
                    request(
                        "content type " + type,
                        "POST",
                        "/transactions",
                        List.of(
                            auth(),
                            "Content-Type: " + type,
                            "Idempotency-Key: " + UUID.randomUUID()),
                        validPayment()));
    Arbitrary<BadRequest> credentials =
        Arbitraries.oneOf(
                Arbitraries.of(
                    "",
                    "Authorization: Bearer",
                    "Authorization: Bearer ",
                    "Authorization: Basic dXNlcjpwYXNz",
                    "Authorization: bearer",
                    "Authorization: Token " + client.apiKey(),
                    "Authorization: Bearer " + client.apiKey() + "x",
                    "Authorization: Bearer " + TestIntake.ADMIN_KEY,
                    "Authorization: Bearer " + client.apiKey().substring(1),
                    "Authorization: Bearer ключ"),
                Arbitraries.strings()
                    .alpha()
                    .numeric()
                    .ofMinLength(1)
                    .ofMaxLength(80)
                    .map(forged -> "Authorization: Bearer " + forged))
            .map(
                header -> {
                  List<String> headers =
                      new ArrayList<>(
                          List.of(
                              "Content-Type: application/json",
                              "Idempotency-Key: " + UUID.randomUUID()));
                  if (!header.isEmpty()) {
                    headers.add(header);
                  }
                  return request(
                      "credentials '" + header + "'",
                      "POST",
                      "/transactions",
                      headers,
                      validPayment());
                });
    Arbitrary<BadRequest> reads =
        Arbitraries.of(
                "/transactions/not-a-uuid",
                "/transactions/" + UUID.randomUUID(),
                "/accounts/" + othersAccount,
                "/accounts/42",
                "/transactions?idempotencyKey=%00",
                "/transactions?idempotencyKey=" + "z".repeat(300),
                "/transactions?limit=0",
                "/transactions?limit=101",
                "/transactions?limit=ten",
                "/transactions?after=not-a-cursor",
                "/transactions?after=djE6MTox",
                "/transactions?state=SETTLED",
                "/transactions?accountId=42",
                "/transactions?createdFrom=yesterday",
                "/transactions?createdFrom=2026-12-02T00:00:00Z&createdTo=2026-12-01T00:00:00Z",
                "/accounts?before=%00",
                "/transactions/" + UUID.randomUUID() + "/confirm")
            .map(path -> request("read " + path, "GET", path, List.of(auth()), ""));
    return Arbitraries.oneOf(oddKeys, badKeys, noKey, contentTypes, credentials, reads);
  }

  // --- confirms: of nothing, of another's, with junk ---

  @Provide
  Arbitrary<BadRequest> badConfirms() {
    Arbitrary<String> ids =
        Arbitraries.oneOf(
            Arbitraries.create(UUID::randomUUID).map(UUID::toString),
            Arbitraries.of(
                "not-a-uuid",
                "%00",
                "..%2F..%2Fadmin",
                "x".repeat(300),
                "' OR 1=1 --",
                othersAccount.toString()));
    Arbitrary<List<String>> headers =
        Arbitraries.of(
            List.of(auth()),
            List.of(),
            List.of("Authorization: Bearer forged"),
            List.of(auth(), "Content-Type: text/plain"),
            List.of(auth(), "Idempotency-Key: k\u0007k"));
    return Arbitraries.oneOf(
            ids.map(id -> "/transactions/" + id + "/confirm"),
            Arbitraries.just("/transactions/confirm"))
        .flatMap(
            path ->
                headers.flatMap(
                    h ->
                        Arbitraries.of("", "{}", "{\"confirm\": true}", "[")
                            .map(body -> request("confirm " + path, "PUT", path, h, body))));
  }

  // --- the admin API: its key, one thing wrong ---

  @Provide
  Arbitrary<BadRequest> badAdminRequests() {
    String accounts = "/admin/clients/" + client.id() + "/accounts";
    Arbitrary<BadRequest> badNames =
        Arbitraries.oneOf(
                Arbitraries.of(
                    "null",
                    "5",
                    "true",
                    "[]",
                    "{}",
                    "\"\"",
                    "\"   \"",
                    "\"\\u0000\"",
                    "\"a\\u202eb\"",
                    "\"\\ud800\"",
                    "\"" + "n".repeat(201) + "\""),
                Arbitraries.strings()
                    .withCharRange('\u0000', '\u001f')
                    .ofMinLength(1)
                    .ofMaxLength(5)
                    .map(control -> JSON.writeValueAsString("ACME" + control + "Ltd")))
            .map(
                name -> admin("client name " + name, "/admin/clients", "{\"name\": " + name + "}"));
    Arbitrary<String> badBalance =
        Arbitraries.oneOf(
            Arbitraries.longs().lessOrEqual(-1).map(Object::toString),
            Arbitraries.longs().between(1_000_000_000_001L, Long.MAX_VALUE).map(Object::toString),
            Arbitraries.of(
                "\"100\"", "12.5", "1e3", "null", "[]", "{}", "true", "99999999999999999999999"));
    Arbitrary<BadRequest> badAccounts =
        Arbitraries.oneOf(
            badBalance.map(
                b ->
                    admin(
                        "opening balance " + b,
                        accounts,
                        "{\"currency\": \"EUR\", \"openingBalance\": " + b + "}")),
            Arbitraries.of("null", "\"\"", "\"EURO\"", "\"XYZ\"", "978")
                .map(
                    c ->
                        admin(
                            "currency " + c,
                            accounts,
                            "{\"currency\": " + c + ", \"openingBalance\": 1}")),
            Arbitraries.of(
                    "{\"currency\": \"EUR\", \"openingBalanse\": 1}",
                    "{\"currency\": \"EUR\", \"openingBalance\": 1, \"x\": 1}",
                    "{\"currency\": \"EUR\", \"openingBalance\": 1, \"openingBalance\": 2}",
                    "[]",
                    "{",
                    "42")
                .map(body -> admin("account body " + body, accounts, body)),
            Arbitraries.strings()
                .ofMaxLength(200)
                .map(body -> admin("random text", accounts, body + "{")),
            Arbitraries.create(UUID::randomUUID)
                .map(
                    id ->
                        admin(
                            "unknown client",
                            "/admin/clients/" + id + "/accounts",
                            "{\"currency\": \"EUR\", \"openingBalance\": 1}")));
    String goodAccount = "{\"currency\": \"EUR\", \"openingBalance\": 1}";
    Arbitrary<BadRequest> badHeaders =
        Arbitraries.oneOf(
            Arbitraries.of("", "   ", "\"unterminated", "x".repeat(256), "k\u0007k", "ключ")
                .map(
                    key ->
                        request(
                            "admin key header '" + key + "'",
                            "POST",
                            accounts,
                            List.of(
                                adminAuth(),
                                "Content-Type: application/json",
                                "Idempotency-Key: " + key),
                            goodAccount)),
            Arbitraries.just(
                request(
                    "admin write without a key",
                    "POST",
                    accounts,
                    List.of(adminAuth(), "Content-Type: application/json"),
                    goodAccount)),
            Arbitraries.of(
                    "", "bad actor", "a".repeat(65), "alice\u0000", "ali;ce", "ключ", "\u202eecila")
                .map(
                    actor ->
                        request(
                            "actor '" + actor + "'",
                            "POST",
                            accounts,
                            List.of(
                                adminAuth(),
                                "Content-Type: application/json",
                                "Idempotency-Key: " + UUID.randomUUID(),
                                "Onceflow-Actor: " + actor),
                            goodAccount)),
            Arbitraries.of(
                    "",
                    "Authorization: Bearer",
                    "Authorization: Bearer " + client.apiKey(),
                    "Authorization: Bearer " + TestIntake.ADMIN_KEY + "x",
                    "Authorization: Basic YWRtaW46YWRtaW4=")
                .map(
                    header ->
                        request(
                            "admin credentials '" + header + "'",
                            "POST",
                            accounts,
                            header.isEmpty()
                                ? List.of(
                                    "Content-Type: application/json",
                                    "Idempotency-Key: " + UUID.randomUUID())
                                : List.of(
                                    header,
                                    "Content-Type: application/json",
                                    "Idempotency-Key: " + UUID.randomUUID()),
                            goodAccount)),
            Arbitraries.of("text/plain", "application/xml", "application/x-www-form-urlencoded")
                .map(
                    type ->
                        request(
                            "admin content type " + type,
                            "POST",
                            accounts,
                            List.of(
                                adminAuth(),
                                "Content-Type: " + type,
                                "Idempotency-Key: " + UUID.randomUUID()),
                            goodAccount)),
            Arbitraries.of(
                    "/admin/clients/not-a-uuid",
                    "/admin/clients/" + UUID.randomUUID() + "/keys",
                    "/admin/audit?limit=0",
                    "/admin/audit?limit=501",
                    "/admin/audit?limit=x")
                .map(path -> request("admin read " + path, "GET", path, List.of(adminAuth()), "")));
    return Arbitraries.oneOf(badNames, badAccounts, badHeaders);
  }

  private static BadRequest admin(String what, String path, String body) {
    return request(
        what,
        "POST",
        path,
        List.of(
            adminAuth(), "Content-Type: application/json", "Idempotency-Key: " + UUID.randomUUID()),
        body);
  }

  private static String adminAuth() {
    return "Authorization: Bearer " + TestIntake.ADMIN_KEY;
  }

  private static String auth() {
    return "Authorization: Bearer " + client.apiKey();
  }

  private static String validPayment() {
    return IntakeHttp.payment(account, 1250).strip();
  }

  private static BadRequest payment(String field, String value) {
    String body =
        switch (field) {
          case "amount" -> validPayment().replace("\"amount\": 1250", "\"amount\": " + value);
          case "accountId" ->
              validPayment()
                  .replace("\"accountId\": \"" + account + "\"", "\"accountId\": " + value);
          case "currency" ->
              validPayment().replace("\"currency\": \"EUR\"", "\"currency\": " + value);
          case "name" -> validPayment().replace("\"name\": \"ACME GmbH\"", "\"name\": " + value);
          case "iban" ->
              validPayment().replace("\"iban\": \"" + IntakeHttp.IBAN + "\"", "\"iban\": " + value);
          case "reference" ->
              validPayment().replace("\"reference\": \"invoice 42\"", "\"reference\": " + value);
          default -> throw new IllegalArgumentException(field);
        };
    return post(field + " = " + value, body);
  }

  private static BadRequest missing(String field) {
    String body =
        switch (field) {
          case "amount" -> validPayment().replace("\"amount\": 1250,", "");
          case "accountId" -> validPayment().replace("\"accountId\": \"" + account + "\",", "");
          case "currency" -> validPayment().replace("\"currency\": \"EUR\",", "");
          default -> throw new IllegalArgumentException(field);
        };
    return post("no " + field, body);
  }

  private static BadRequest post(String what, String body) {
    return request(
        what,
        "POST",
        "/transactions",
        List.of(auth(), "Content-Type: application/json", "Idempotency-Key: " + UUID.randomUUID()),
        body);
  }

  private static BadRequest request(
      String what, String method, String path, List<String> headers, String body) {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes(wireBytes(method + " " + path + " HTTP/1.1"));
    for (String header : headers) {
      head.writeBytes(wireBytes("\r\n" + header));
    }
    return new BadRequest(what, head.toByteArray(), wireBytes(body));
  }

  /**
   * UTF-8, except that a lone surrogate is written as its own three bytes (malformed UTF-8, as a
   * broken client sends it): {@link String#getBytes} would write '?', turning a bad key into a
   * valid one.
   */
  static byte[] wireBytes(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    text.codePoints()
        .forEach(
            codePoint -> {
              if (Character.isSurrogate((char) codePoint) && Character.isBmpCodePoint(codePoint)) {
                bytes.write(0xE0 | codePoint >> 12);
                bytes.write(0x80 | (codePoint >> 6 & 0x3F));
                bytes.write(0x80 | (codePoint & 0x3F));
              } else {
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
              }
            });
    return bytes.toByteArray();
  }
}

package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.model.InvalidSettingException;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * API keys are revoked and rotated through the admin API and honoured by every intake instance
 * within a second; the admin key must be strong; demo mode stays in demo databases.
 */
class CredentialsIT {

  private static final TestIntake first = TestIntake.shared();
  private static TestIntake second;

  @BeforeAll
  static void startASecondInstance() {
    second =
        TestIntake.start(
            SharedTestInfrastructure.postgres(),
            "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY);
  }

  @AfterAll
  static void stopIt() {
    second.close();
  }

  @Test
  void aRevokedKeyIsRefusedByEveryInstanceWithinASecond() {
    Client client = first.admin().newClient("to be revoked");
    String keyId =
        json(first.admin().get("/admin/clients/" + client.id() + "/keys"))
            .get(0)
            .get("id")
            .asString();
    // Both instances have the key in their caches.
    assertThat(first.http(client.apiKey()).get("/accounts").statusCode()).isEqualTo(200);
    assertThat(second.http(client.apiKey()).get("/accounts").statusCode()).isEqualTo(200);

    HttpResponse<String> revoked =
        first.admin().delete("/admin/clients/" + client.id() + "/keys/" + keyId);
    long revokedAt = System.nanoTime();

    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).get("revokedAt").isNull()).isFalse();
    for (TestIntake instance : new TestIntake[] {first, second}) {
      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> instance.http(client.apiKey()).get("/accounts").statusCode() == 401);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Duration.ofSeconds(1));
    // Idempotent: revoking again answers the same revoked key; other clients' keys are unknown.
    HttpResponse<String> again =
        first.admin().delete("/admin/clients/" + client.id() + "/keys/" + keyId);
    assertThat(json(again).get("revokedAt")).isEqualTo(json(revoked).get("revokedAt"));
    Client other = first.admin().newClient("someone else");
    assertProblem(
        first.admin().delete("/admin/clients/" + other.id() + "/keys/" + keyId),
        404,
        "key-not-found");
  }

  @Test
  void aRotatedKeysOldValueWorksDuringTheOverlapAndNotAfter() {
    Client client = first.admin().newClient("rotating");
    HttpResponse<String> rotated =
        first.admin().post("/admin/clients/" + client.id() + "/keys", "{\"overlapSeconds\": 2}");
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
    String newKey = json(rotated).get("apiKey").asString();
    assertThat(json(rotated).get("keysEnding").asInt()).isEqualTo(1);

    for (TestIntake instance : new TestIntake[] {first, second}) {
      assertThat(instance.http(client.apiKey()).get("/accounts").statusCode()).isEqualTo(200);
      assertThat(instance.http(newKey).get("/accounts").statusCode()).isEqualTo(200);
    }
    JsonNode keys = json(first.admin().get("/admin/clients/" + client.id() + "/keys"));
    assertThat(keys).hasSize(2);
    assertThat(keys.get(0).get("expiresAt").isNull()).isFalse();
    assertThat(keys.get(1).get("expiresAt").isNull()).isTrue();
    assertThat(keys.get(1).get("hint").asString()).isEqualTo(newKey.substring(newKey.length() - 4));

    for (TestIntake instance : new TestIntake[] {first, second}) {
      await()
          .atMost(Duration.ofSeconds(4))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> instance.http(client.apiKey()).get("/accounts").statusCode() == 401);
      assertThat(instance.http(newKey).get("/accounts").statusCode()).isEqualTo(200);
    }
    assertProblem(
        first.admin().post("/admin/clients/" + client.id() + "/keys", "{\"overlapSeconds\": -1}"),
        400,
        "invalid-overlap");
    assertProblem(
        first.admin().post("/admin/clients/" + UUID.randomUUID() + "/keys", "{}"),
        404,
        "client-not-found");
  }

  /** The one-line message of the setting an intake on the shared database refused to start with. */
  private static String refusalToStart(String argument) {
    Throwable failure =
        catchThrowable(
            () -> TestIntake.start(SharedTestInfrastructure.postgres(), argument).close());
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof InvalidSettingException setting) {
        return setting.getMessage();
      }
    }
    throw new AssertionError(
        "intake did not refuse " + argument + " with an invalid setting", failure);
  }

  @Test
  void intakeRefusesToStartWithAWeakAdminKeyInOneLine() {
    for (String weak :
        new String[] {"local-admin-key", "a".repeat(64), "0123456789abcdef0123456789abcdef"}) {
      assertThat(refusalToStart("--onceflow.admin.api-key=" + weak))
          .startsWith("onceflow.admin.api-key is too weak")
          .doesNotContain(weak)
          .doesNotContain("\n");
    }
  }

  @Test
  void demoModeRefusesADatabaseWithRealClientsAndTurningItOffRetiresTheDemoKey() throws Exception {
    // The shared database has real clients, and was never a demo database.
    first.admin().newClient("a real client");
    assertThat(refusalToStart("--onceflow.demo.enabled=true"))
        .startsWith("onceflow.demo.enabled=true is refused");
    assertProblem(first.http("local-demo-key").get("/accounts"), 401, "unauthorized");

    PostgresServer postgres = SharedTestInfrastructure.postgres();
    String database = "demo_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection =
        DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "")) {
      connection.createStatement().execute("CREATE DATABASE " + database);
    }
    PostgresServer demoDatabase = name -> postgres.jdbcUrl(database);
    try (TestIntake demo = TestIntake.start(demoDatabase, "--onceflow.demo.enabled=true")) {
      assertThat(demo.http("local-demo-key").get("/accounts").statusCode()).isEqualTo(200);
    }
    // A demo database stays one: demo mode starts again, even with clients registered meanwhile.
    try (TestIntake plain =
        TestIntake.start(demoDatabase, "--onceflow.admin.api-key=" + TestIntake.ADMIN_KEY)) {
      assertProblem(plain.http("local-demo-key").get("/accounts"), 401, "unauthorized");
      plain.admin().newClient("registered in the demo database");
    }
    try (TestIntake demo = TestIntake.start(demoDatabase, "--onceflow.demo.enabled=true")) {
      assertThat(demo.http("local-demo-key").get("/accounts").statusCode()).isEqualTo(200);
    }
  }
}

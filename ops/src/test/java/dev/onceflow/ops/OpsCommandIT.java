package dev.onceflow.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops commands against a real PostgreSQL: what they change, what they refuse, what they audit.
 */
class OpsCommandIT {

  private static PostgresServer postgres;
  private static Connection db;
  private static UUID client;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void migrate() throws SQLException {
    postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    db = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
    client = UUID.randomUUID();
    execute("INSERT INTO clients (id, name, created_at) VALUES (?, 'ops', now())", client);
  }

  @AfterAll
  static void disconnect() throws SQLException {
    db.close();
  }

  @Test
  void retriesAFailureTheBankConfirmedItNeverPaidWithItsFundsReservedAgain() throws Exception {
    UUID account = account(10_000, 0);
    UUID tx = transaction(account, 2_500, "FAILED", "RETRIES_EXHAUSTED");
    String key = text("SELECT external_key FROM transactions WHERE id = ?", tx);

    int exit = ops("retry-failed", "--transaction=" + tx, "--actor=alice");

    assertThat(exit).isZero();
    assertThat(text("SELECT state FROM transactions WHERE id = ?", tx)).isEqualTo("PENDING");
    assertThat(text("SELECT coalesce(failure_code, 'none') FROM transactions WHERE id = ?", tx))
        .isEqualTo("none");
    assertThat(text("SELECT external_key FROM transactions WHERE id = ?", tx)).isEqualTo(key);
    assertThat(text("SELECT reserved::text FROM accounts WHERE id = ?", account)).isEqualTo("2500");
    assertThat(lastAudit()).contains("alice", "retry-failed", "--transaction=" + tx, "affected=1");
  }

  @Test
  void refusesToRetryADeclineAndChangesNothingButTheAudit() throws Exception {
    UUID account = account(10_000, 0);
    UUID tx = transaction(account, 2_500, "FAILED", "DECLINED");

    int exit = ops("retry-failed", "--transaction=" + tx);

    assertThat(exit).isEqualTo(1);
    assertThat(output()).contains("Refused", "DECLINED");
    assertThat(text("SELECT state FROM transactions WHERE id = ?", tx)).isEqualTo("FAILED");
    assertThat(text("SELECT reserved::text FROM accounts WHERE id = ?", account)).isEqualTo("0");
    assertThat(lastAudit()).contains("retry-failed", "affected=0", "refused");
  }

  @Test
  void refusesARetryTheAccountCanNoLongerCover() throws Exception {
    UUID account = account(1_000, 0);
    UUID tx = transaction(account, 2_500, "FAILED", "RETRIES_EXHAUSTED");

    assertThat(ops("retry-failed", "--transaction=" + tx)).isEqualTo(1);
    assertThat(text("SELECT state FROM transactions WHERE id = ?", tx)).isEqualTo("FAILED");
    assertThat(text("SELECT reserved::text FROM accounts WHERE id = ?", account)).isEqualTo("0");
  }

  @Test
  void redrivesOnlyPendingTransactionsOlderThanTheGivenAge() throws Exception {
    UUID account = account(10_000, 200);
    UUID old = transaction(account, 100, "PENDING", null);
    execute("UPDATE transactions SET created_at = now() - interval '2 hours' WHERE id = ?", old);
    UUID recent = transaction(account, 100, "PENDING", null);
    long oldVersion = version(old);
    long recentVersion = version(recent);

    assertThat(ops("redrive-pending", "--older-than=1h")).isZero();

    assertThat(version(old)).isEqualTo(oldVersion + 1);
    assertThat(version(recent)).isEqualTo(recentVersion);
    assertThat(text("SELECT state FROM transactions WHERE id = ?", old)).isEqualTo("PENDING");
    assertThat(lastAudit()).contains("redrive-pending", "--older-than=1h");
  }

  @Test
  void listsUnknownTransactionsAndAnOperatorDecidesOneCompletedWithItsFundsSettled()
      throws Exception {
    UUID account = account(10_000, 2_500);
    UUID tx = transaction(account, 2_500, "UNKNOWN", null);
    execute(
        "UPDATE transactions SET unknown_since = now() - interval '2 hours', lookups = 40 WHERE id = ?",
        tx);

    assertThat(ops("list-unknown")).isZero();
    assertThat(output()).contains(tx.toString(), "PT2H", "40", "ext-" + tx);

    int exit =
        ops(
            "resolve-unknown",
            "--transaction=" + tx,
            "--outcome=completed",
            "--bank-reference=bank-77",
            "--reason=the bank's support confirmed payment bank-77",
            "--actor=alice");

    assertThat(exit).isZero();
    assertThat(text("SELECT state FROM transactions WHERE id = ?", tx)).isEqualTo("COMPLETED");
    assertThat(text("SELECT bank_reference FROM transactions WHERE id = ?", tx))
        .isEqualTo("bank-77");
    assertThat(
            text(
                "SELECT balance::text || '/' || reserved::text FROM accounts WHERE id = ?",
                account))
        .isEqualTo("7500/0");
    assertThat(lastAudit())
        .contains(
            "alice", "resolve-unknown", "--outcome=completed", "affected=1", "confirmed payment");
  }

  @Test
  void anOperatorDecidesAnUnknownTransactionFailedWithItsFundsReleasedAndNothingElse()
      throws Exception {
    UUID account = account(10_000, 2_500);
    UUID tx = transaction(account, 2_500, "UNKNOWN", null);
    UUID finished = transaction(account, 2_500, "COMPLETED", null);

    assertThat(
            ops(
                "resolve-unknown",
                "--transaction=" + tx,
                "--outcome=failed",
                "--reason=bank holds nothing"))
        .isZero();
    assertThat(text("SELECT state || ' ' || failure_code FROM transactions WHERE id = ?", tx))
        .isEqualTo("FAILED OPERATOR_DECISION");
    assertThat(
            text(
                "SELECT balance::text || '/' || reserved::text FROM accounts WHERE id = ?",
                account))
        .isEqualTo("10000/0");

    // Only an UNKNOWN one can be decided; a second decision is refused and changes nothing.
    assertThat(
            ops(
                "resolve-unknown",
                "--transaction=" + tx,
                "--outcome=completed",
                "--bank-reference=x",
                "--reason=r"))
        .isEqualTo(1);
    assertThat(
            ops("resolve-unknown", "--transaction=" + finished, "--outcome=failed", "--reason=r"))
        .isEqualTo(1);
    assertThat(text("SELECT state FROM transactions WHERE id = ?", finished))
        .isEqualTo("COMPLETED");
    assertThat(
            text(
                "SELECT balance::text || '/' || reserved::text FROM accounts WHERE id = ?",
                account))
        .isEqualTo("10000/0");
    assertThat(lastAudit()).contains("resolve-unknown", "affected=0", "refused");
  }

  @Test
  void refusesAnIncompleteDecisionWithOneLine() {
    UUID tx = UUID.randomUUID();
    assertThat(ops("resolve-unknown", "--transaction=" + tx, "--outcome=completed", "--reason=r"))
        .isEqualTo(2);
    assertThat(ops("resolve-unknown", "--transaction=" + tx, "--outcome=maybe", "--reason=r"))
        .isEqualTo(2);
    assertThat(ops("resolve-unknown", "--transaction=" + tx, "--outcome=failed")).isEqualTo(2);
    assertThat(errors().lines())
        .hasSize(3)
        .allSatisfy(line -> assertThat(line).startsWith("onceflow ops: "));
  }

  @Test
  void refusesBadInputWithOneLineAndExitCodeTwo() {
    assertThat(ops("retry-failed", "--transaction=not-a-uuid")).isEqualTo(2);
    assertThat(ops("redrive-pending", "--older-than=-5m")).isEqualTo(2);
    assertThat(ops("replay-requests")).isEqualTo(2);
    assertThat(ops("pay-everyone-twice")).isEqualTo(2);
    assertThat(ops("audit", "--actor=" + "a".repeat(65))).isEqualTo(2);
    assertThat(ops("audit", "--actor=alice\n2026-01-01 bob retry-failed")).isEqualTo(2);
    assertThat(ops("audit", "--actor=")).isEqualTo(2);
    assertThat(errors().lines())
        .hasSize(7)
        .allSatisfy(line -> assertThat(line).startsWith("onceflow ops: "));
    assertThat(errors()).contains("--actor must be 1 to 64 letters, digits or . _ @ + -");
  }

  @Test
  void checksItsInputBeforeConnecting() {
    String unreachable = "--jdbc-url=jdbc:postgresql://localhost:1/nothing";
    String[] badTransaction = {"retry-failed", "--transaction=not-a-uuid", unreachable};
    assertThat(
            OpsCommand.run(badTransaction, new PrintStream(out, true), new PrintStream(err, true)))
        .isEqualTo(2);
    assertThat(errors())
        .contains("--transaction must be a transaction id")
        .doesNotContain("refused");
  }

  @Test
  void showsAPaymentsTimelineWithItsOpsActionAndListsItsUnansweredCall() throws Exception {
    UUID account = account(10_000, 0);
    UUID tx = transaction(account, 2_500, "FAILED", "RETRIES_EXHAUSTED");
    assertThat(ops("retry-failed", "--transaction=" + tx, "--actor=alice")).isZero();
    // A worker claims it and journals its call; no answer is ever recorded.
    execute(
        "UPDATE transactions SET state = 'PROCESSING', attempts = 1, version = version + 1 WHERE id = ?",
        tx);
    execute(
        """
        INSERT INTO bank_calls (transaction_id, kind, attempt, external_key, instance, started_at)
        VALUES (?, 'PAYMENT', 1, ?, 'bank-worker@test:1', now() - interval '90 seconds')
        """,
        tx,
        "ext-" + tx);
    out.reset();

    assertThat(ops("history", "--transaction=" + tx)).isZero();
    assertThat(output())
        .contains(
            "Transaction " + tx,
            "state   created -> FAILED",
            "state   FAILED -> PENDING  by onceflow_ops (ops@",
            "ops retry-failed by alice: --transaction=" + tx,
            "ops     retry-failed by alice --transaction=" + tx + ": reopened as PENDING",
            "state   PENDING -> PROCESSING",
            "bank    PAYMENT 1 (key ext-" + tx + ") by bank-worker@test:1: call started, no answer")
        .containsPattern("no answer for 1m(29|3\\d)s");

    out.reset();
    assertThat(ops("list-unanswered")).isZero();
    assertThat(output())
        .contains(tx + "  PROCESSING  PAYMENT 1  ")
        .contains("  bank-worker@test:1");

    out.reset();
    UUID nobody = UUID.randomUUID();
    assertThat(ops("history", "--transaction=" + nobody)).isEqualTo(1);
    assertThat(output()).contains("No transaction " + nobody);
  }

  @Test
  void explainsItselfWithHelp() {
    assertThat(OpsCommand.run(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)))
        .isZero();
    assertThat(output())
        .contains(
            "replay-requests",
            "replay-dead-letters",
            "redrive-pending",
            "retry-failed",
            "list-unknown",
            "resolve-unknown",
            "history",
            "list-unanswered",
            "audit");
  }

  private int ops(String... args) {
    String[] withDatabase = new String[args.length + 1];
    System.arraycopy(args, 0, withDatabase, 0, args.length);
    withDatabase[args.length] = "--jdbc-url=" + postgres.jdbcUrl();
    return OpsCommand.run(withDatabase, new PrintStream(out, true), new PrintStream(err, true));
  }

  private String output() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String errors() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private String lastAudit() throws SQLException {
    return text(
        "SELECT concat_ws(' ', actor, action, parameters, 'affected=' || affected, outcome) FROM ops_audit ORDER BY at DESC LIMIT 1");
  }

  private static UUID account(long balance, long reserved) throws SQLException {
    UUID id = UUID.randomUUID();
    execute(
        """
        INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
        VALUES (?, ?, 'EUR', ?, ?, ?, 0, now(), now())
        """,
        id,
        client,
        balance,
        balance,
        reserved);
    return id;
  }

  private static UUID transaction(UUID account, long amount, String state, String failureCode)
      throws SQLException {
    UUID id = UUID.randomUUID();
    execute(
        """
        INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,
                                  external_key, attempts, next_attempt_at, lease_until, failure_code, version,
                                  created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, 8, now(), now() + interval '30 seconds', ?, 3,
                now(), now())
        """,
        id,
        client,
        account,
        state,
        amount,
        "ext-" + id,
        failureCode);
    return id;
  }

  private static long version(UUID tx) throws SQLException {
    return Long.parseLong(text("SELECT version::text FROM transactions WHERE id = ?", tx));
  }

  private static String text(String sql, Object... parameters) throws SQLException {
    try (PreparedStatement query = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        query.setObject(i + 1, parameters[i]);
      }
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getString(1);
      }
    }
  }

  private static void execute(String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }
}

package dev.onceflow.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;

/**
 * The physical limit of the same PostgreSQL: the statements intake runs for one payment, and the
 * full lifecycle of one payment (intake, the worker's claim, its final update: three commits), run
 * directly with pgbench at the benchmark's concurrency. They run in a database of their own on the
 * same server (same WAL, same fsync), migrated with the product's schema, so that the relay's
 * publication never sees their outbox rows and no worker acts on them.
 */
final class SqlCeiling {

  static final String DATABASE = "onceflow_bench";
  static final String CLIENT_ID = "00000000-0000-0000-0000-0000000be0c4";
  static final int ACCOUNTS = 32;

  private static final String TX = "md5('t' || (:client_id)::text || '-' || (:r)::text)::uuid";
  private static final String KEY = "('k' || (:client_id)::text || '-' || (:r)::text)";
  private static final String ACCOUNT = "md5('a' || (:a)::text)::uuid";

  private final int port;
  private final String user;

  SqlCeiling(int port, String user) {
    this.port = port;
    this.user = user;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + port + "/" + DATABASE;
  }

  /** Creates the database with the product's schema, one client and its funded accounts. */
  void prepare(String productJdbcUrl) throws SQLException {
    try (Connection connection = DriverManager.getConnection(productJdbcUrl, user, "");
        Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + DATABASE);
      statement.execute("CREATE DATABASE " + DATABASE);
    }
    Flyway.configure()
        .dataSource(jdbcUrl(), user, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    try (Connection connection = DriverManager.getConnection(jdbcUrl(), user, "");
        Statement statement = connection.createStatement()) {
      statement.execute(
          "INSERT INTO clients (id, name, created_at) VALUES ('%s', 'ceiling', now())"
              .formatted(CLIENT_ID));
      statement.execute(
          """
          INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
          SELECT md5('a' || i::text)::uuid, '%s', 'EUR', 1000000000000, 1000000000000, 0, 0, now(), now()
          FROM generate_series(1, %d) AS i
          """
              .formatted(CLIENT_ID, ACCOUNTS));
    }
  }

  /** Account ids of the ceiling database, for the naive server's load. */
  static List<String> accountIds(Connection connection) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT id FROM accounts ORDER BY id")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }

  /**
   * What intake runs for one accepted payment: one DB transaction. (The client lookup by API key
   * hash runs once a minute per client, not per request, so it is not part of the script.)
   */
  static String intakeScript() {
    return header() + "BEGIN;\n" + intakeStatements() + "END;\n";
  }

  /** One payment's whole life: intake's transaction, the worker's claim, the final update. */
  static String lifecycleScript() {
    return intakeScript()
        + """
        BEGIN;
        UPDATE transactions SET state = 'PROCESSING', attempts = attempts + 1, lease_until = now() + interval '30 seconds', version = version + 1, updated_at = now(), first_attempt_at = CASE WHEN attempts = 0 OR first_attempt_at IS NULL THEN now() ELSE first_attempt_at END WHERE id = {TX} AND state = 'PENDING' AND next_attempt_at <= now() RETURNING id, version, attempts, account_id, amount, currency, creditor_name, creditor_iban, reference, external_key, idempotency_key, first_attempt_at;
        END;
        BEGIN;
        UPDATE transactions SET state = 'COMPLETED', bank_reference = 'p' || (:r)::text, lease_until = now(), version = version + 1, updated_at = now() WHERE id = {TX} AND state = 'PROCESSING' AND version = 1;
        UPDATE accounts SET balance = balance - (:amt)::bigint, reserved = reserved - (:amt)::bigint, version = version + 1, updated_at = now() WHERE id = {ACCOUNT} AND reserved >= (:amt)::bigint;
        INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext) VALUES (md5('c' || (:client_id)::text || '-' || (:r)::text)::uuid, 'transaction-events', ({TX})::text, 'TransactionCompleted', jsonb_build_object('eventId', md5('c' || (:r)::text)::uuid, 'transactionId', {TX}, 'type', 'TransactionCompleted', 'occurredAt', now()), 'traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
        DELETE FROM outbox WHERE id = md5('c' || (:client_id)::text || '-' || (:r)::text)::uuid;
        END;
        """
            .replace("{TX}", TX)
            .replace("{ACCOUNT}", ACCOUNT);
  }

  private static String header() {
    return """
        \\set a random(1, %d)
        \\set r random(1, 9000000000000000000)
        \\set amt random(1, 100)
        """
        .formatted(ACCOUNTS);
  }

  private static String intakeStatements() {
    return """
        INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint, transaction_id, created_at, expires_at) VALUES ('{CLIENT}', {KEY}, md5('f' || (:r)::text) || md5('g' || (:r)::text), {TX}, now(), now() + interval '24 hours') ON CONFLICT (client_id, idempotency_key) DO UPDATE SET request_fingerprint = EXCLUDED.request_fingerprint, transaction_id = EXCLUDED.transaction_id, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at WHERE idempotency_keys.expires_at <= EXCLUDED.created_at;
        UPDATE accounts SET reserved = reserved + (:amt)::bigint, version = version + 1, updated_at = now() WHERE id = {ACCOUNT} AND client_id = '{CLIENT}' AND currency = 'EUR' AND balance - reserved >= (:amt)::bigint;
        INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban, reference, external_key, attempts, next_attempt_at, lease_until, bank_reference, failure_code, failure_detail, first_attempt_at, idempotency_key, version, created_at, updated_at) VALUES ({TX}, '{CLIENT}', {ACCOUNT}, 'PENDING', (:amt)::bigint, 'EUR', 'ACME GmbH', 'DE89370400440532013000', 'benchmark', md5('x' || (:client_id)::text || '-' || (:r)::text)::uuid::text, 0, now(), now() + interval '10 minutes', NULL, NULL, NULL, NULL, {KEY}, 0, now(), now());
        INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext) VALUES (md5('e' || (:client_id)::text || '-' || (:r)::text)::uuid, 'transaction-requested', ({TX})::text, 'TransactionRequested', jsonb_build_object('eventId', md5('e' || (:r)::text)::uuid, 'transactionId', {TX}, 'type', 'TransactionRequested', 'occurredAt', now()), 'traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
        DELETE FROM outbox WHERE id = md5('e' || (:client_id)::text || '-' || (:r)::text)::uuid;
        """
        .replace("{TX}", TX)
        .replace("{KEY}", KEY)
        .replace("{ACCOUNT}", ACCOUNT)
        .replace("{CLIENT}", CLIENT_ID);
  }

  private static final Path PGBENCH = Path.of("/usr/bin/pgbench");

  /** What runs the scripts: pgbench where it is installed, else a JDBC loop in this JVM. */
  static String tool() {
    return Files.isExecutable(PGBENCH) ? "pgbench" : "a JDBC loop (no pgbench)";
  }

  /** Scripts per second (payments/s): with pgbench if installed, else with a JDBC loop. */
  double run(String name, String script, int clients, int seconds, Path workDirectory)
      throws Exception {
    if (Files.isExecutable(PGBENCH)) {
      return pgbench(PGBENCH, name, script, clients, seconds, workDirectory);
    }
    Benchmark.progress("  pgbench not found: running %s as a JDBC loop", name);
    return jdbcLoop(script, clients, seconds);
  }

  private double pgbench(
      Path pgbench, String name, String script, int clients, int seconds, Path workDirectory)
      throws IOException, InterruptedException {
    Path file = workDirectory.resolve(name + ".sql");
    Files.writeString(file, script);
    Path log = workDirectory.resolve(name + ".out");
    List<String> command =
        List.of(
            pgbench.toString(),
            "-n",
            "-M",
            "prepared",
            "-c",
            Integer.toString(clients),
            "-j",
            "2",
            "-T",
            Integer.toString(seconds),
            "-f",
            file.toString(),
            "-h",
            "localhost",
            "-p",
            Integer.toString(port),
            "-U",
            user,
            DATABASE);
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException("pgbench failed; see " + log);
    }
    Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(Files.readString(log));
    if (!tps.find()) {
      throw new IllegalStateException("no tps in pgbench's output; see " + log);
    }
    return Double.parseDouble(tps.group(1));
  }

  /**
   * The same script without pgbench: each thread replays it with literal values, autocommit off.
   */
  private double jdbcLoop(String script, int clients, int seconds) throws Exception {
    List<String> statements = new ArrayList<>();
    for (String line : script.split("\n")) {
      if (!line.isBlank() && !line.startsWith("\\set")) {
        statements.add(line.strip().replaceAll(";$", ""));
      }
    }
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int clientId = c;
      Thread thread =
          new Thread(
              () -> {
                try (Connection connection = DriverManager.getConnection(jdbcUrl(), user, "");
                    Statement statement = connection.createStatement()) {
                  while (System.nanoTime() < end) {
                    Map<String, String> values = new HashMap<>();
                    values.put("client_id", Integer.toString(clientId));
                    values.put(
                        "a", Integer.toString(1 + ThreadLocalRandom.current().nextInt(ACCOUNTS)));
                    values.put(
                        "r",
                        Long.toString(
                            1 + ThreadLocalRandom.current().nextLong(9_000_000_000_000_000_000L)));
                    values.put(
                        "amt", Integer.toString(1 + ThreadLocalRandom.current().nextInt(100)));
                    for (String sql : statements) {
                      String bound = sql;
                      for (var value : values.entrySet()) {
                        bound = bound.replace(":" + value.getKey() + ")", value.getValue() + ")");
                      }
                      statement.execute(bound);
                    }
                    done.incrementAndGet();
                  }
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    return done.get() / (double) seconds;
  }
}

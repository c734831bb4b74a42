package dev.onceflow.benchmark;

import dev.onceflow.model.OutboxRow;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.IdempotencyKeys;
import dev.onceflow.store.TransactionTransitions;
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
 * directly with pgbench at the benchmark's concurrency. The scripts are built from the product's
 * own statements (the transaction store's and the outbox's constants), so the ceiling follows every
 * change to them. They run in a database of their own on the same server (same WAL, same fsync),
 * migrated with the product's schema, so that the relay's publication never sees their outbox rows
 * and no worker acts on them.
 */
final class SqlCeiling {

  static final String DATABASE = "onceflow_bench";
  static final String CLIENT_ID = "00000000-0000-0000-0000-0000000be0c4";
  static final int ACCOUNTS = 32;

  private static final String TX = "md5('t' || (:client_id)::text || '-' || (:r)::text)::uuid";
  private static final String AMOUNT = "(:amt)::bigint";
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
        + "BEGIN;\n"
        + bind(
            TransactionTransitions.CLAIM,
            "id",
            TX,
            "now",
            "now()",
            "leaseUntil",
            "now() + interval '30 seconds'")
        + "END;\n"
        + "BEGIN;\n"
        + bind(
            TransactionTransitions.COMPLETE,
            "id",
            TX,
            "from",
            "'PROCESSING'",
            "version",
            "1",
            "bankReference",
            "'p' || (:r)::text",
            "now",
            "now()")
        + outboxEvent("c", "transaction-events", "TransactionCompleted")
        + bind(AccountFunds.SETTLE, "id", ACCOUNT, "amount", AMOUNT, "now", "now()")
        + "END;\n";
  }

  private static String header() {
    return """
        \\set a random(1, %d)
        \\set r random(1, 9000000000000000000)
        \\set amt random(1, 100)
        """
        .formatted(ACCOUNTS);
  }

  /** Intake's statements in the order PaymentIntake runs them. */
  private static String intakeStatements() {
    String client = "'" + CLIENT_ID + "'::uuid";
    return bind(
            IdempotencyKeys.CLAIM,
            "clientId",
            client,
            "key",
            KEY,
            "fingerprint",
            "md5('f' || (:r)::text) || md5('g' || (:r)::text)",
            "transactionId",
            TX,
            "now",
            "now()",
            "expiresAt",
            "now() + interval '24 hours'")
        + bind(
            AccountFunds.RESERVE,
            "id",
            ACCOUNT,
            "clientId",
            client,
            "currency",
            "'EUR'",
            "amount",
            AMOUNT,
            "now",
            "now()")
        + bind(
            TransactionTransitions.INSERT,
            "id",
            TX,
            "clientId",
            client,
            "accountId",
            ACCOUNT,
            "state",
            "'PENDING'",
            "amount",
            AMOUNT,
            "currency",
            "'EUR'",
            "creditorName",
            "'ACME GmbH'",
            "creditorIban",
            "'DE89370400440532013000'",
            "reference",
            "'benchmark'",
            "externalKey",
            "md5('x' || (:client_id)::text || '-' || (:r)::text)::uuid::text",
            "idempotencyKey",
            KEY,
            // 32 hex digits, as a W3C trace id is
            "traceId",
            "md5((:r)::text)",
            "attempts",
            "0",
            "nextAttemptAt",
            "now()",
            "leaseUntil",
            "now() + interval '10 minutes'",
            "failureCode",
            "NULL",
            "failureDetail",
            "NULL",
            "createdAt",
            "now()",
            "updatedAt",
            "now()")
        + outboxEvent("e", "transaction-requested", "TransactionRequested");
  }

  /** The outbox row of one event, inserted and deleted as OutboxWriter does it. */
  private static String outboxEvent(String salt, String stream, String type) {
    String id = "md5('" + salt + "' || (:client_id)::text || '-' || (:r)::text)::uuid";
    String payload =
        "jsonb_build_object('eventId', %s, 'transactionId', %s, 'type', '%s', 'occurredAt', now())::text"
            .formatted(id, TX, type);
    return bind(
            OutboxRow.INSERT,
            "id",
            id,
            "aggregateType",
            "'" + stream + "'",
            "aggregateId",
            "(" + TX + ")::text",
            "type",
            "'" + type + "'",
            "payload",
            payload,
            "spanContext",
            "'traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'")
        + bind(OutboxRow.DELETE, "id", id);
  }

  private static final Pattern PARAMETER = Pattern.compile("(?<!:):([A-Za-z]\\w*)");

  /**
   * The product's statement on one line, each of its named parameters replaced by the SQL
   * expression given for it (in one pass: an expression's own pgbench variables stay as they are).
   * A parameter without an expression fails, so a statement that gains one cannot be measured with
   * a stale script.
   */
  static String bind(String statement, String... namesAndExpressions) {
    Map<String, String> expressions = new HashMap<>();
    for (int i = 0; i < namesAndExpressions.length; i += 2) {
      expressions.put(namesAndExpressions[i], namesAndExpressions[i + 1]);
    }
    String bound =
        PARAMETER
            .matcher(statement)
            .replaceAll(
                parameter -> {
                  String expression = expressions.get(parameter.group(1));
                  if (expression == null) {
                    throw new IllegalStateException(
                        "no value for :" + parameter.group(1) + " in " + statement.strip());
                  }
                  return Matcher.quoteReplacement(expression);
                });
    return bound.replaceAll("\\s+", " ").strip() + ";\n";
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

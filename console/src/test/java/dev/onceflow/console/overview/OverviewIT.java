package dev.onceflow.console.overview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.console.ConsoleApplication;
import dev.onceflow.console.ConsoleSession;
import dev.onceflow.console.ConsoleTopics;
import dev.onceflow.infra.KafkaBroker;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.Topics;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The overview over real HTTP, as the ops role sees it, on a database of its own (so its counts are
 * only this class's rows) and the shared Kafka broker: the throughput and latency of history rows
 * it writes, the relay's slot and heartbeat, the workers' lag and the dead letters of records it
 * produces; and, from a second console pointed at no broker, Kafka shown as unreachable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverviewIT {

  private static final String DATABASE = "console_overview";
  private static final String SLOT = "onceflow_outbox";
  private static final String PASSWORD = "correct horse battery staple";
  private static final Pattern BYTES = Pattern.compile("\\d+(\\.\\d)? (B|kB|MB|GB)");

  /** Its own group: the shared broker outlives this class, and the group's offsets with it. */
  private final String group = "bank-worker-" + UUID.randomUUID();

  private PostgresServer postgres;
  private KafkaBroker kafka;
  private Admin admin;
  private boolean slotCreated;
  private ConfigurableApplicationContext console;
  private ConfigurableApplicationContext offline;
  private String base;
  private String offlineBase;

  @BeforeAll
  void start() throws Exception {
    postgres = SharedTestInfrastructure.postgres();
    try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        Statement statement = db.createStatement()) {
      statement.execute("CREATE DATABASE " + DATABASE);
    }
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(DATABASE), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    try (Connection db = database();
        ResultSet slot =
            db.createStatement()
                .executeQuery(
                    "SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
      if (!slot.next()) {
        db.createStatement()
            .execute("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
        slotCreated = true;
      }
    }
    kafka = SharedTestInfrastructure.kafka();
    admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));

    int port = SharedTestInfrastructure.freePort();
    console = start(port, kafka.bootstrapServers(), SLOT, "2s");
    base = "http://localhost:" + port;
    int offlinePort = SharedTestInfrastructure.freePort();
    // Nothing listens on a fresh free port: the Admin client's connections are refused.
    offline =
        start(
            offlinePort, "localhost:" + SharedTestInfrastructure.freePort(), "no_such_slot", "1s");
    offlineBase = "http://localhost:" + offlinePort;
  }

  private ConfigurableApplicationContext start(
      int port, String bootstrapServers, String slot, String kafkaTimeout) {
    return ConsoleApplication.application()
        .properties(
            "server.port=" + port,
            "management.server.port=" + port,
            "spring.datasource.url=" + postgres.jdbcUrl(DATABASE),
            "onceflow.console.users[0].name=alice",
            "onceflow.console.users[0].password-hash="
                + new BCryptPasswordEncoder(4).encode(PASSWORD),
            "onceflow.console.users[0].role=VIEWER",
            "onceflow.console.relay-slot-name=" + slot,
            "onceflow.console.kafka-bootstrap-servers=" + bootstrapServers,
            "onceflow.console.worker-group-id=" + group,
            "onceflow.console.kafka-timeout=" + kafkaTimeout)
        .run();
  }

  @AfterAll
  void stop() throws SQLException {
    for (ConfigurableApplicationContext app :
        new ConfigurableApplicationContext[] {console, offline}) {
      if (app != null) {
        app.close();
      }
    }
    if (admin != null) {
      admin.close();
    }
    if (slotCreated) {
      // A slot left behind would hold the shared server's WAL for as long as it runs.
      try (Connection db = database()) {
        db.createStatement().execute("SELECT pg_drop_replication_slot('" + SLOT + "')");
      }
    }
  }

  @Test
  void theLiveFiguresNeedALoginAndAreTheFragmentAlone() throws Exception {
    HttpResponse<String> anonymous = new ConsoleSession(base).get(OverviewPages.LIVE);
    assertThat(anonymous.statusCode()).isEqualTo(302);
    assertThat(anonymous.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/login"));

    ConsoleSession browser = loggedIn(base);
    HttpResponse<String> live = browser.get(OverviewPages.LIVE);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).startsWith("<section id=\"live\"").doesNotContain("<html", "<script");

    HttpResponse<String> page = browser.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(figure(page.body(), "as-of")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(page.body())
        .contains(
            "<section id=\"live\"", "<script>", "data-live=\"/overview/live\"", "refresh failed");
  }

  @Test
  void countsPaymentsFinishedAndTheirCompletionLatencyFromTheHistory() throws Exception {
    Instant now;
    try (Connection db = database();
        ResultSet clock = db.createStatement().executeQuery("SELECT now()")) {
      clock.next();
      now = clock.getObject(1, OffsetDateTime.class).toInstant();
      UUID account = insertAccount(db);
      // seconds before now: created, finished; latencies of the five in the window 1, 2, 3, 4, 10 s
      finish(db, account, now, 31, 30, "COMPLETED");
      finish(db, account, now, 22, 20, "COMPLETED");
      finish(db, account, now, 45, 40, "FAILED");
      finish(db, account, now, 123, 120, "COMPLETED");
      finish(db, account, now, 304, 300, "COMPLETED");
      finish(db, account, now, 610, 600, "COMPLETED");
      // Outside the 15 minutes: neither counted nor in the percentiles (its 100 s would be).
      finish(db, account, now, 1210, 1200, "FAILED");
      finish(db, account, now, 1900, 1800, "COMPLETED");
      insert(db, account, now.minusSeconds(10)); // not finished
    }

    String live = loggedIn(base).get(OverviewPages.LIVE).body();

    assertThat(figure(live, "finished-last-minute")).isEqualTo("3");
    assertThat(figure(live, "finished-last-quarter")).isEqualTo("6");
    assertThat(figure(live, "latency-completed")).isEqualTo("5");
    assertThat(figure(live, "latency-p50")).isEqualTo("3.0 s");
    // percentile_cont interpolates: 4 s + 0.8 × (10 s − 4 s)
    assertThat(figure(live, "latency-p95")).isEqualTo("8.8 s");
  }

  @Test
  void showsTheRelaySlotItsUnconfirmedAndRetainedWal() throws Exception {
    long[] before = slotBytes();
    String live = loggedIn(base).get(OverviewPages.LIVE).body();
    long[] after = slotBytes();

    assertThat(figure(live, "slot-state")).isEqualTo(slotActive() ? "active" : "inactive");
    // WAL may move between the reads: the figure lies between the two, in readable units.
    assertThat(figure(live, "slot-flush-lag"))
        .matches(BYTES)
        .isIn(Figures.bytes(before[0]), Figures.bytes(after[0]));
    assertThat(figure(live, "slot-retained-wal"))
        .matches(BYTES)
        .isIn(Figures.bytes(before[1]), Figures.bytes(after[1]));

    String elsewhere = loggedIn(offlineBase).get(OverviewPages.LIVE).body();
    assertThat(figure(elsewhere, "slot-state")).isEqualTo("no slot");
    assertThat(elsewhere).doesNotContain("slot-flush-lag");
  }

  @Test
  void showsTheRelayHeartbeatsAge() throws Exception {
    ConsoleSession browser = loggedIn(base);
    long started = System.nanoTime();
    try (Connection db = database()) {
      db.createStatement()
          .execute("UPDATE relay_heartbeat SET beat_at = now() - interval '42 seconds'");
    }
    String age = figure(browser.get(OverviewPages.LIVE).body(), "heartbeat");
    long took = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    assertThat(age).matches("\\d+s ago");
    assertThat(Long.parseLong(age.substring(0, age.indexOf('s')))).isBetween(42L, 43 + took);
  }

  @Test
  void countsTheWorkersLagAndTheDeadLetters() throws Exception {
    ConsoleTopics.create(admin);
    TopicPartition requests0 = new TopicPartition(Topics.TRANSACTION_REQUESTED, 0);
    TopicPartition requests1 = new TopicPartition(Topics.TRANSACTION_REQUESTED, 1);
    TopicPartition deadLetters = new TopicPartition(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, 0);
    // Other test classes share the broker and these topics: count from where they are now.
    long start0 = offset(requests0, OffsetSpec.latest());
    long parked = offset(deadLetters, OffsetSpec.latest());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      produce(producer, requests0, 5);
      produce(producer, requests1, 3);
      produce(producer, deadLetters, 4);
    }
    // The group read 2 of partition 0's new records and never committed on partition 1 (read from
    // its start).
    admin
        .alterConsumerGroupOffsets(group, Map.of(requests0, new OffsetAndMetadata(start0 + 2)))
        .all()
        .get();
    // Retention took all but 3 dead letters: the count starts at the log's beginning, not at 0.
    admin.deleteRecords(Map.of(deadLetters, RecordsToDelete.beforeOffset(parked + 1))).all().get();
    long behind =
        offset(requests0, OffsetSpec.latest())
            - (start0 + 2)
            + offset(requests1, OffsetSpec.latest())
            - offset(requests1, OffsetSpec.earliest());

    ConsoleSession browser = loggedIn(base);
    // A topic just created may not be in every broker's metadata at once.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String live = browser.get(OverviewPages.LIVE).body();
              assertThat(live).doesNotContain("Kafka unreachable");
              assertThat(figure(live, "request-lag")).isEqualTo(String.valueOf(behind));
              assertThat(figure(live, "dead-letters")).isEqualTo("3");
            });
  }

  @Test
  void showsKafkaUnreachableWithinItsTimeoutRatherThanAnErrorPage() throws Exception {
    ConsoleSession browser = loggedIn(offlineBase);
    for (String path : List.of("/", OverviewPages.LIVE)) {
      long started = System.nanoTime();
      HttpResponse<String> page = browser.get(path);
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(figure(page.body(), "kafka-unreachable")).startsWith("Kafka unreachable: ");
      assertThat(page.body()).doesNotContain("id=\"request-lag\"", "id=\"dead-letters\"");
      // kafka-timeout is 1 s; the rest is the database's and the page's.
      assertThat(took).isLessThan(Duration.ofSeconds(5));
    }
  }

  private long offset(TopicPartition partition, OffsetSpec spec) throws Exception {
    return admin.listOffsets(Map.of(partition, spec)).all().get().get(partition).offset();
  }

  /** The text of the element with that id (no markup inside it). */
  private static String figure(String html, String id) {
    Matcher element = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(html);
    assertThat(element.find()).as("an element with id %s in:%n%s", id, html).isTrue();
    return element.group(1).strip().replaceAll("\\s+", " ");
  }

  private ConsoleSession loggedIn(String at) throws Exception {
    ConsoleSession browser = new ConsoleSession(at);
    HttpResponse<String> login = browser.logIn("alice", PASSWORD);
    assertThat(login.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));
    return browser;
  }

  private Connection database() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(DATABASE), PostgresServer.USER, "");
  }

  /** The slot's flush lag and retained WAL in bytes, as the console computes them. */
  private long[] slotBytes() throws SQLException {
    try (Connection db = database();
        ResultSet rows =
            db.createStatement()
                .executeQuery(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
                        + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                        + " FROM pg_replication_slots WHERE slot_name = '"
                        + SLOT
                        + "'")) {
      assertThat(rows.next()).isTrue();
      return new long[] {rows.getLong(1), rows.getLong(2)};
    }
  }

  private boolean slotActive() throws SQLException {
    try (Connection db = database();
        ResultSet rows =
            db.createStatement()
                .executeQuery(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'")) {
      assertThat(rows.next()).isTrue();
      return rows.getBoolean(1);
    }
  }

  private static void produce(
      KafkaProducer<String, String> producer, TopicPartition partition, int records)
      throws Exception {
    for (int i = 0; i < records; i++) {
      producer
          .send(new ProducerRecord<>(partition.topic(), partition.partition(), "key-" + i, "{}"))
          .get();
    }
  }

  private static UUID insertAccount(Connection db) throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    execute(db, "INSERT INTO clients (id, name, created_at) VALUES (?, 'overview', now())", client);
    execute(
        db,
        "INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version,"
            + " created_at, updated_at) VALUES (?, ?, 'EUR', 1000, 1000, 0, 0, now(), now())",
        account,
        client);
    return account;
  }

  /**
   * A payment created {@code createdAgo} seconds before {@code now} that went PROCESSING and then
   * its final state {@code finishedAgo} seconds before it; the history's trigger records each state
   * at the row's updated_at, as the services' updates do.
   */
  private static void finish(
      Connection db, UUID account, Instant now, int createdAgo, int finishedAgo, String state)
      throws SQLException {
    UUID id = insert(db, account, now.minusSeconds(createdAgo));
    OffsetDateTime finished = utc(now.minusSeconds(finishedAgo));
    execute(
        db,
        "UPDATE transactions SET state = 'PROCESSING', attempts = 1, updated_at = ? WHERE id = ?",
        finished.minusNanos(1_000),
        id);
    execute(
        db,
        "FAILED".equals(state)
            ? "UPDATE transactions SET state = 'FAILED', failure_code = 'DECLINED', updated_at = ?"
                + " WHERE id = ?"
            : "UPDATE transactions SET state = 'COMPLETED', bank_reference = 'ref', updated_at = ?"
                + " WHERE id = ?",
        finished,
        id);
  }

  private static UUID insert(Connection db, UUID account, Instant created) throws SQLException {
    UUID id = UUID.randomUUID();
    UUID client;
    try (PreparedStatement owner =
        db.prepareStatement("SELECT client_id FROM accounts WHERE id = ?")) {
      owner.setObject(1, account);
      try (ResultSet rows = owner.executeQuery()) {
        rows.next();
        client = rows.getObject(1, UUID.class);
      }
    }
    execute(
        db,
        "INSERT INTO transactions (id, client_id, account_id, state, amount, currency,"
            + " creditor_name, creditor_iban, external_key, idempotency_key, attempts,"
            + " next_attempt_at, lease_until, version, created_at, updated_at)"
            + " VALUES (?, ?, ?, 'PENDING', 10, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, ?,"
            + " 0, ?, ?, 0, ?, ?)",
        id,
        client,
        account,
        "ext-" + id,
        "overview-" + id,
        utc(created),
        utc(created),
        utc(created),
        utc(created));
    return id;
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  private static void execute(Connection db, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }
}

package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.Topics;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flywaydb.core.Flyway;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * A console on a free port against the shared, migrated PostgreSQL (and Kafka, for the pages that
 * read it), with two operators ({@code alice}, {@code bob}) and a viewer; payments inserted as the
 * services would leave them; and HTTP sessions that log in through the form with its CSRF token.
 */
final class ConsoleFixture implements AutoCloseable {

  static final String PASSWORD = "correct horse battery staple";

  final PostgresServer postgres;
  final String kafka;
  final String base;
  private final ConfigurableApplicationContext console;

  private ConsoleFixture(PostgresServer postgres, String kafka, String... properties) {
    this.postgres = postgres;
    this.kafka = kafka;
    int port = SharedTestInfrastructure.freePort();
    String hash = new BCryptPasswordEncoder(4).encode(PASSWORD);
    List<String> settings =
        new ArrayList<>(
            List.of(
                "server.port=" + port,
                "management.server.port=" + port,
                "spring.datasource.url=" + postgres.jdbcUrl(),
                "onceflow.console.kafka-bootstrap-servers=" + kafka,
                "onceflow.console.users[0].name=alice",
                "onceflow.console.users[0].password-hash=" + hash,
                "onceflow.console.users[0].role=OPERATOR",
                "onceflow.console.users[1].name=bob",
                "onceflow.console.users[1].password-hash=" + hash,
                "onceflow.console.users[1].role=OPERATOR",
                "onceflow.console.users[2].name=viewer",
                "onceflow.console.users[2].password-hash=" + hash,
                "onceflow.console.users[2].role=VIEWER"));
    settings.addAll(List.of(properties));
    this.console =
        ConsoleApplication.application().properties(settings.toArray(String[]::new)).run();
    this.base = "http://localhost:" + port;
  }

  /** A console whose Kafka is the shared broker, with the request and dead-letter topics. */
  static ConsoleFixture withKafka(String... properties) throws Exception {
    ConsoleFixture fixture =
        new ConsoleFixture(
            migrated(), SharedTestInfrastructure.kafka().bootstrapServers(), properties);
    try (Admin admin = fixture.admin()) {
      ConsoleTopics.create(admin);
    }
    return fixture;
  }

  /** A console with no Kafka to reach (a closed port). */
  static ConsoleFixture withoutKafka(String... properties) {
    return new ConsoleFixture(
        migrated(), "localhost:" + SharedTestInfrastructure.freePort(), properties);
  }

  private static PostgresServer migrated() {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    return postgres;
  }

  /** A client with a funded EUR account; its id and the account's. */
  record Account(UUID client, UUID account) {}

  Account account(long balance) throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    execute(
        "INSERT INTO clients (id, name, created_at) VALUES (?, ?, now())",
        client,
        "client " + client.toString().substring(0, 8));
    execute(
        "INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version,"
            + " created_at, updated_at) VALUES (?, ?, 'EUR', ?, ?, 0, 0, now(), now())",
        account,
        client,
        balance,
        balance);
    return new Account(client, account);
  }

  /**
   * A payment of 10 EUR in {@code state} (with {@code failureCode} when FAILED), last changed
   * {@code minutesAgo}; as the services would leave it, with no funds reserved for a final one.
   */
  UUID payment(Account owner, String key, String state, String failureCode, int minutesAgo)
      throws SQLException {
    UUID id = UUID.randomUUID();
    execute(
        "INSERT INTO transactions (id, client_id, account_id, state, amount, currency,"
            + " creditor_name, creditor_iban, external_key, idempotency_key, attempts,"
            + " next_attempt_at, lease_until, failure_code, version, created_at, updated_at,"
            + " unknown_since)"
            + " VALUES (?, ?, ?, ?, 10, 'EUR', 'ACME GmbH', 'DE89370400440532013000', ?, ?, 8,"
            + " now() + interval '1 hour', now() + interval '1 hour', ?, 0,"
            + " now() - make_interval(mins => ?), now() - make_interval(mins => ?),"
            + " CASE WHEN ? = 'UNKNOWN' THEN now() - make_interval(mins => ?) END)",
        id,
        owner.client(),
        owner.account(),
        state,
        "ext-" + id,
        key,
        failureCode,
        minutesAgo,
        minutesAgo,
        state,
        minutesAgo);
    return id;
  }

  String scalar(String sql, Object... parameters) throws SQLException {
    try (Connection db = connect();
        PreparedStatement statement = prepare(db, sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  void execute(String sql, Object... parameters) throws SQLException {
    try (Connection db = connect();
        PreparedStatement statement = prepare(db, sql, parameters)) {
      statement.executeUpdate();
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
  }

  private static PreparedStatement prepare(Connection db, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement statement = db.prepareStatement(sql);
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
    return statement;
  }

  /** A session logged in as {@code user}. */
  ConsoleSession loggedIn(String user) throws Exception {
    ConsoleSession session = new ConsoleSession(base);
    HttpResponse<String> login = session.logIn(user, PASSWORD);
    assertThat(login.headers().firstValue("Location"))
        .as("logged in as %s", user)
        .hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));
    return session;
  }

  static String encode(String value) {
    return ConsoleSession.encode(value);
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka));
  }

  /** Parks {@code count} unreadable records on the dead-letter topic, as the workers would. */
  void parkDeadLetters(int count) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                Topics.TRANSACTION_REQUESTED_DEAD_LETTER,
                UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
                ("not json " + i).getBytes(StandardCharsets.UTF_8));
        record
            .headers()
            .add(Topics.DEAD_LETTER_REASON_HEADER, "unparseable".getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
      }
    }
  }

  /** The dead-letter topic's end offset (it has one partition). */
  long deadLetterEnd() throws Exception {
    try (Admin admin = admin()) {
      TopicPartition partition = new TopicPartition(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, 0);
      return admin
          .listOffsets(Map.of(partition, OffsetSpec.latest()))
          .all()
          .get()
          .get(partition)
          .offset();
    }
  }

  @Override
  public void close() {
    console.close();
  }
}

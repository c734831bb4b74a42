package dev.onceflow.system;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.model.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The campaign's independent checker: once the system has drained, it reads the database, the
 * bank's ledger, the topics and the intake API, and counts every way a payment could have gone
 * wrong. Every count must be 0; each violation is also kept as an example line.
 */
final class CampaignChecker {

  /** One row of {@code transactions}, as the checker reads it. */
  record Row(String id, UUID account, String state, long amount, String failureCode, String bankReference) {}

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int EXAMPLES = 10;

  private final CampaignCluster cluster;
  private final String apiKey;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final List<String> examples = new ArrayList<>();

  CampaignChecker(CampaignCluster cluster, String apiKey) {
    this.cluster = cluster;
    this.apiKey = apiKey;
    for (String count :
        List.of(
            "duplicate payments",
            "keys executed more than once at the bank",
            "payments for FAILED transactions",
            "payments without a transaction",
            "COMPLETED without a payment",
            "lost requests (accepted, not final)",
            "answers that disagree with the row",
            "money mismatches",
            "changed payloads that left something behind",
            "transactions no client was told of",
            "final states missing from Kafka",
            "client-side violations")) {
      counts.put(count, 0);
    }
  }

  /** Transactions on these accounts that are not final yet (drain is over at 0). */
  long notFinal(Collection<UUID> accounts) throws SQLException {
    long[] count = new long[1];
    try (Connection db = connect()) {
      forEachRow(
          db,
          "SELECT count(*) FROM transactions WHERE account_id = ANY (?) AND state NOT IN ('COMPLETED', 'FAILED')",
          accounts,
          result -> count[0] = result.getLong(1));
    }
    return count[0];
  }

  /** Runs every check; returns the counts, by name. */
  Map<String, Integer> check(Collection<CampaignClients.Payment> payments, Map<UUID, Long> openingBalances)
      throws Exception {
    // Rows, keys and balances from one snapshot, so that they agree with each other whatever still
    // moves; the ledger and the topics are read after it and may only have more.
    try (Connection db = connect()) {
      db.setAutoCommit(false);
      db.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Map<String, Row> rows = rows(db, openingBalances.keySet());
      Map<String, String> keyToTransaction = keys(db, openingBalances.keySet());
      checkMoney(db, rows, openingBalances);
      db.rollback();
      checkLedger(rows);
      checkClients(payments, rows, keyToTransaction);
      checkTopics(rows);
    }
    return counts;
  }

  List<String> examples() {
    return examples;
  }

  /** Invariant 1 and the bank's side of invariants 2 and 3, from the bank's own ledger. */
  private void checkLedger(Map<String, Row> rows) throws IOException, InterruptedException {
    Map<String, Integer> settled = new HashMap<>();
    for (JsonNode payment : JSON.readTree(get(cluster.bankUrl() + "/payments"))) {
      // The bank counts every execution under a key: a second one would be a second charge its
      // idempotency let through, whatever the entry's status says now.
      if (payment.path("executions").asInt(1) > 1) {
        violation(
            "keys executed more than once at the bank",
            payment.get("idempotencyKey").asString() + " executed " + payment.get("executions").asInt() + " times");
      }
      if (!"SETTLED".equals(payment.get("status").asString())) {
        continue;
      }
      String transaction = payment.get("endToEndReference").asString();
      Row row = rows.get(transaction);
      if (row == null) {
        violation("payments without a transaction", "bank payment " + payment.get("paymentId").asString()
            + " names " + transaction);
        continue;
      }
      if (settled.merge(transaction, 1, Integer::sum) > 1) {
        violation("duplicate payments", transaction + " was paid again (" + payment + ")");
      }
      if (row.state().equals("FAILED")) {
        violation("payments for FAILED transactions", transaction + " (" + row.failureCode() + ") was paid");
      }
    }
    for (Row row : rows.values()) {
      if (row.state().equals("COMPLETED") && !settled.containsKey(row.id())) {
        violation("COMPLETED without a payment", row.id());
      }
    }
  }

  private void checkClients(
      Collection<CampaignClients.Payment> payments, Map<String, Row> rows, Map<String, String> keyToTransaction)
      throws IOException, InterruptedException {
    Set<String> told = new HashSet<>();
    for (CampaignClients.Payment payment : payments) {
      payment.violations.forEach(v -> violation("client-side violations", payment.key + ": " + v));
      if (payment.ids.size() != 1) {
        violation("answers that disagree with the row", payment.key + " was answered with ids " + payment.ids);
        continue;
      }
      String id = payment.id();
      told.add(id);
      Row row = rows.get(id);
      if (row == null || !id.equals(keyToTransaction.get(payment.key))) {
        violation("lost requests (accepted, not final)", payment.key + " -> " + id + " has no row for its key");
        continue;
      }
      if (!row.state().equals("COMPLETED") && !row.state().equals("FAILED")) {
        violation("lost requests (accepted, not final)", id + " is " + row.state());
      }
      if (row.amount() != payment.amount) {
        violation(
            payment.changedPayload ? "changed payloads that left something behind" : "answers that disagree with the row",
            id + " has amount " + row.amount() + ", the client sent " + payment.amount);
      }
      if (payment.answer == 422 && !"INSUFFICIENT_FUNDS".equals(row.failureCode())) {
        violation("answers that disagree with the row", id + " was refused (422) but is " + row.state());
      }
      if (payment.changedPayload
          && (payment.changedPayloadAnswer != 422 || !"idempotency-key-reused".equals(payment.changedPayloadProblem))) {
        violation("changed payloads that left something behind", payment.key + " with a changed amount was answered "
            + payment.changedPayloadAnswer + " " + payment.changedPayloadProblem);
      }
      // The client's own last look at its payment, through the API, agrees with the row.
      JsonNode seen = JSON.readTree(get(cluster.intakeUrls().get(0) + "/transactions/" + id));
      if (!row.state().equals(seen.path("state").asString()) || row.amount() != seen.path("amount").asLong()) {
        violation("answers that disagree with the row", id + ": the API says " + seen + ", the row " + row);
      }
    }
    for (String id : rows.keySet()) {
      if (!told.contains(id)) {
        // A row nobody was answered about: left by a refused (changed) payload, or a lost answer.
        violation("transactions no client was told of", id + " " + rows.get(id));
      }
    }
  }

  /** Invariant 4: balance = opening − Σ COMPLETED, reserved = Σ PENDING, PROCESSING and UNKNOWN. */
  private void checkMoney(Connection db, Map<String, Row> rows, Map<UUID, Long> openingBalances) throws SQLException {
    Map<UUID, Long> paid = new HashMap<>();
    Map<UUID, Long> inFlight = new HashMap<>();
    for (Row row : rows.values()) {
      if (row.state().equals("COMPLETED")) {
        paid.merge(row.account(), row.amount(), Long::sum);
      } else if (row.state().equals("PENDING") || row.state().equals("PROCESSING") || row.state().equals("UNKNOWN")) {
        inFlight.merge(row.account(), row.amount(), Long::sum);
      }
    }
    try (PreparedStatement query = db.prepareStatement("SELECT balance, reserved FROM accounts WHERE id = ?")) {
      for (Map.Entry<UUID, Long> account : openingBalances.entrySet()) {
        query.setObject(1, account.getKey());
        try (ResultSet result = query.executeQuery()) {
          result.next();
          long expectedBalance = account.getValue() - paid.getOrDefault(account.getKey(), 0L);
          long expectedReserved = inFlight.getOrDefault(account.getKey(), 0L);
          if (result.getLong(1) != expectedBalance || result.getLong(2) != expectedReserved) {
            violation("money mismatches", account.getKey() + ": balance " + result.getLong(1) + " reserved "
                + result.getLong(2) + ", expected " + expectedBalance + " and " + expectedReserved);
          }
        }
      }
    }
  }

  /** Every final transaction announced its outcome on Kafka (at least once, as designed). */
  private void checkTopics(Map<String, Row> rows) {
    Map<String, String> expected = new HashMap<>();
    rows.values().forEach(row -> expected.put(row.id(), row.state().equals("COMPLETED")
        ? "TransactionCompleted" : "TransactionFailed"));
    Map<String, Set<String>> seen = new HashMap<>();
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "campaign-checker-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.TRANSACTION_EVENTS));
      // The relay may still be publishing the last outcomes: read until all are there or 60 s pass.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline && !allSeen(expected, seen)) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          seen.computeIfAbsent(record.key(), key -> new HashSet<>())
              .add(JSON.readTree(record.value()).get("type").asString());
        }
      }
    }
    expected.forEach((id, type) -> {
      if (!seen.getOrDefault(id, Set.of()).contains(type)) {
        violation("final states missing from Kafka", id + " has no " + type + " (saw " + seen.get(id) + ")");
      }
    });
  }

  private static boolean allSeen(Map<String, String> expected, Map<String, Set<String>> seen) {
    return expected.entrySet().stream()
        .allMatch(e -> seen.getOrDefault(e.getKey(), Set.of()).contains(e.getValue()));
  }

  private Map<String, Row> rows(Connection db, Collection<UUID> accounts) throws SQLException {
    Map<String, Row> rows = new HashMap<>();
    forEachRow(
        db,
        "SELECT id, account_id, state, amount, failure_code, bank_reference FROM transactions"
            + " WHERE account_id = ANY (?)",
        accounts,
        result -> rows.put(result.getString(1), new Row(result.getString(1), (UUID) result.getObject(2),
            result.getString(3), result.getLong(4), result.getString(5), result.getString(6))));
    return rows;
  }

  private Map<String, String> keys(Connection db, Collection<UUID> accounts) throws SQLException {
    Map<String, String> keys = new HashMap<>();
    forEachRow(
        db,
        "SELECT k.idempotency_key, k.transaction_id FROM idempotency_keys k"
            + " JOIN transactions t ON t.id = k.transaction_id WHERE t.account_id = ANY (?)",
        accounts,
        result -> keys.put(result.getString(1), result.getString(2)));
    return keys;
  }

  /** Reads one row of a result. */
  private interface RowReader {
    void read(ResultSet row) throws SQLException;
  }

  /** Runs a query whose one parameter is the campaign's accounts, row by row. */
  private static void forEachRow(Connection db, String sql, Collection<UUID> accounts, RowReader reader)
      throws SQLException {
    try (PreparedStatement query = db.prepareStatement(sql)) {
      query.setArray(1, db.createArrayOf("uuid", accounts.toArray()));
      try (ResultSet result = query.executeQuery()) {
        while (result.next()) {
          reader.read(result);
        }
      }
    }
  }

  private void violation(String count, String example) {
    counts.merge(count, 1, Integer::sum);
    if (examples.size() < EXAMPLES) {
      examples.add(count + ": " + example);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(cluster.jdbcUrl(), EmbeddedPostgresServer.USER, "");
  }

  private String get(String url) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + apiKey).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}

package dev.onceflow.system;

import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.model.Topics;
import dev.onceflow.testing.TransitionAudit;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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
  record Row(
      String id,
      UUID account,
      String state,
      long amount,
      String currency,
      String creditorIban,
      String reference,
      String failureCode,
      String bankReference) {}

  /** The FAILED codes a healed system may end a payment with: the bank's or the client's doing. */
  private static final Set<String> EXPLAINED_FAILURES = Set.of("INSUFFICIENT_FUNDS", "DECLINED");

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int EXAMPLES = 10;
  // Longer than the longest hold of a bank fault profile (12 s).
  private static final Duration LEDGER_QUIET = Duration.ofSeconds(13);

  private final CampaignCluster cluster;
  private final String apiKey;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final Map<String, Object> figures = new LinkedHashMap<>();
  private final List<String> examples = new ArrayList<>();
  // From the database snapshot, for the bank side's money check.
  private final Map<UUID, Long> balances = new HashMap<>();

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
            "bank payments that differ from the row or the request",
            "FAILED without a bank decline or insufficient funds",
            "lost requests (accepted, not final)",
            "answers that disagree with the row",
            "money mismatches",
            "money mismatches at the bank",
            "changed payloads that left something behind",
            "transactions no client was told of",
            "final states missing from Kafka",
            "transactions with more than one final event",
            "final events that contradict the row",
            "events that do not name their transaction",
            "topics not read to the end",
            "histories that disagree with the row",
            "COMPLETED without a settled bank call on record",
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
  Map<String, Integer> check(
      Collection<CampaignClients.Payment> payments, Map<UUID, Long> openingBalances)
      throws Exception {
    // Rows, keys and balances from one snapshot, so that they agree with each other whatever still
    // moves; the ledger and the topics are read after it and may only have more.
    try (Connection db = connect()) {
      db.setAutoCommit(false);
      db.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Map<String, Row> rows = rows(db, openingBalances.keySet());
      Map<String, String> keyToTransaction = keys(db, openingBalances.keySet());
      checkMoney(db, rows, openingBalances);
      checkHistory(db, openingBalances.keySet());
      db.rollback();
      Map<String, CampaignClients.Payment> sent = new HashMap<>();
      payments.stream()
          .filter(payment -> payment.id() != null)
          .forEach(payment -> sent.put(payment.id(), payment));
      Set<String> declinedAtTheBank = checkLedger(rows, sent, openingBalances);
      checkOutcomes(rows, declinedAtTheBank);
      checkClients(payments, rows, keyToTransaction);
      checkTopics(rows);
    }
    return counts;
  }

  List<String> examples() {
    return examples;
  }

  /** What the checks measured beyond the counts, for the report. */
  Map<String, Object> figures() {
    return figures;
  }

  /**
   * Liveness: once the bank is healed, a payment fails only for a reason the bank or the client
   * gave (a decline the bank's ledger holds, insufficient funds); a system that gave up on payments
   * it could have made fails this.
   */
  private void checkOutcomes(Map<String, Row> rows, Set<String> declinedAtTheBank) {
    Map<String, Integer> outcomes = new TreeMap<>();
    for (Row row : rows.values()) {
      String outcome = row.state().equals("FAILED") ? "FAILED " + row.failureCode() : row.state();
      outcomes.merge(outcome, 1, Integer::sum);
      if (!row.state().equals("FAILED")) {
        continue;
      }
      if (row.failureCode() == null || !EXPLAINED_FAILURES.contains(row.failureCode())) {
        violation(
            "FAILED without a bank decline or insufficient funds",
            row.id() + " failed " + row.failureCode());
      } else if (row.failureCode().equals("DECLINED") && !declinedAtTheBank.contains(row.id())) {
        violation(
            "FAILED without a bank decline or insufficient funds",
            row.id() + " failed DECLINED, but the bank holds no declined payment for it");
      }
    }
    figures.put("outcomes (state, FAILED by code)", outcomes);
  }

  /**
   * Invariant 1 and the bank's side of invariants 2 to 4, from the bank's own ledger: each settled
   * payment matches its transaction and what the client sent, and what the bank paid out of each
   * account is what the account lost. Returns the transactions the bank holds a decline for.
   */
  private Set<String> checkLedger(
      Map<String, Row> rows,
      Map<String, CampaignClients.Payment> sent,
      Map<UUID, Long> openingBalances)
      throws IOException, InterruptedException {
    Map<String, Integer> settled = new HashMap<>();
    Map<UUID, Long> paidByTheBank = new HashMap<>();
    Set<String> declined = new HashSet<>();
    int maxExecutions = 0;
    int maxCalls = 0;
    int keys = 0;
    for (JsonNode payment : JSON.readTree(settledLedger())) {
      keys++;
      int executions = payment.path("executions").asInt(1);
      maxExecutions = Math.max(maxExecutions, executions);
      maxCalls = Math.max(maxCalls, payment.path("calls").asInt(1));
      // The bank counts every execution under a key: a second one would be a second charge its
      // idempotency let through, whatever the entry's status says now.
      if (executions > 1) {
        violation(
            "keys executed more than once at the bank",
            payment.get("idempotencyKey").asString() + " executed " + executions + " times");
      }
      String transaction = payment.get("endToEndReference").asString();
      if ("DECLINED".equals(payment.get("status").asString())) {
        declined.add(transaction);
      }
      if (!"SETTLED".equals(payment.get("status").asString())) {
        continue;
      }
      Row row = rows.get(transaction);
      if (row == null) {
        violation(
            "payments without a transaction",
            "bank payment " + payment.get("paymentId").asString() + " names " + transaction);
        continue;
      }
      if (settled.merge(transaction, 1, Integer::sum) > 1) {
        violation("duplicate payments", transaction + " was paid again (" + payment + ")");
      }
      if (row.state().equals("FAILED")) {
        violation(
            "payments for FAILED transactions",
            transaction + " (" + row.failureCode() + ") was paid");
      }
      long amount = payment.get("amount").asLong();
      paidByTheBank.merge(row.account(), amount, Long::sum);
      String bankSide =
          Arrays.asList(
                  amount,
                  payment.get("currency").asString(),
                  payment.get("creditorIban").asString(),
                  payment.path("remittanceInformation").asString(""))
              .toString();
      String rowSide =
          Arrays.asList(row.amount(), row.currency(), row.creditorIban(), row.reference())
              .toString();
      CampaignClients.Payment request = sent.get(transaction);
      String clientSide =
          request == null
              ? null
              : Arrays.asList(
                      request.amount, CampaignClients.CURRENCY, request.iban, request.reference)
                  .toString();
      if (!bankSide.equals(rowSide) || (clientSide != null && !bankSide.equals(clientSide))) {
        violation(
            "bank payments that differ from the row or the request",
            transaction
                + ": the bank paid "
                + bankSide
                + ", the row says "
                + rowSide
                + ", the client sent "
                + clientSide);
      }
    }
    for (Row row : rows.values()) {
      if (row.state().equals("COMPLETED") && !settled.containsKey(row.id())) {
        violation("COMPLETED without a payment", row.id());
      }
    }
    // Invariant 4 from the bank's side: Σ settled at the bank = opening − balance, per account.
    for (Map.Entry<UUID, Long> account : openingBalances.entrySet()) {
      long lost = account.getValue() - balances.getOrDefault(account.getKey(), account.getValue());
      long paid = paidByTheBank.getOrDefault(account.getKey(), 0L);
      if (lost != paid) {
        violation(
            "money mismatches at the bank",
            account.getKey()
                + ": the bank paid "
                + paid
                + " out of it, its balance fell by "
                + lost);
      }
    }
    figures.put("bank keys", keys);
    figures.put("executions per key at the bank (max)", maxExecutions);
    figures.put("calls per key at the bank (max)", maxCalls);
    return declined;
  }

  /**
   * The bank's ledger once it stopped changing: a request the bank held (up to 12 s in the slow
   * profile) may still execute after every row is final, and must be seen.
   */
  private String settledLedger() throws IOException, InterruptedException {
    String[] last = {get(cluster.bankUrl() + "/payments")};
    return await("the bank's ledger to stop changing")
        .atMost(Duration.ofSeconds(90))
        .pollDelay(LEDGER_QUIET)
        .pollInterval(LEDGER_QUIET)
        .until(
            () -> {
              String now = get(cluster.bankUrl() + "/payments");
              boolean same = now.equals(last[0]);
              last[0] = now;
              return same ? now : null;
            },
            ledger -> ledger != null);
  }

  private void checkClients(
      Collection<CampaignClients.Payment> payments,
      Map<String, Row> rows,
      Map<String, String> keyToTransaction)
      throws IOException, InterruptedException {
    Set<String> told = new HashSet<>();
    for (CampaignClients.Payment payment : payments) {
      payment.violations.forEach(v -> violation("client-side violations", payment.key + ": " + v));
      if (payment.ids.size() != 1) {
        violation(
            "answers that disagree with the row",
            payment.key + " was answered with ids " + payment.ids);
        continue;
      }
      String id = payment.id();
      told.add(id);
      Row row = rows.get(id);
      if (row == null || !id.equals(keyToTransaction.get(payment.key))) {
        violation(
            "lost requests (accepted, not final)",
            payment.key + " -> " + id + " has no row for its key");
        continue;
      }
      if (!row.state().equals("COMPLETED") && !row.state().equals("FAILED")) {
        violation("lost requests (accepted, not final)", id + " is " + row.state());
      }
      if (row.amount() != payment.amount) {
        violation(
            payment.changedPayload
                ? "changed payloads that left something behind"
                : "answers that disagree with the row",
            id + " has amount " + row.amount() + ", the client sent " + payment.amount);
      }
      if (payment.answer == 422 && !"INSUFFICIENT_FUNDS".equals(row.failureCode())) {
        violation(
            "answers that disagree with the row", id + " was refused (422) but is " + row.state());
      }
      if (payment.answer == 202 && "INSUFFICIENT_FUNDS".equals(row.failureCode())) {
        violation(
            "answers that disagree with the row",
            id + " was accepted (202) but failed INSUFFICIENT_FUNDS");
      }
      if (payment.changedPayload
          && (payment.changedPayloadAnswer != 422
              || !"idempotency-key-reused".equals(payment.changedPayloadProblem))) {
        violation(
            "changed payloads that left something behind",
            payment.key
                + " with a changed amount was answered "
                + payment.changedPayloadAnswer
                + " "
                + payment.changedPayloadProblem);
      }
      // The client's own last look at its payment, through the API, agrees with the row.
      JsonNode seen = JSON.readTree(get(cluster.intakeUrls().get(0) + "/transactions/" + id));
      if (!row.state().equals(seen.path("state").asString())
          || row.amount() != seen.path("amount").asLong()) {
        violation(
            "answers that disagree with the row",
            id + ": the API says " + seen + ", the row " + row);
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
  private void checkMoney(Connection db, Map<String, Row> rows, Map<UUID, Long> openingBalances)
      throws SQLException {
    Map<UUID, Long> paid = new HashMap<>();
    Map<UUID, Long> inFlight = new HashMap<>();
    for (Row row : rows.values()) {
      if (row.state().equals("COMPLETED")) {
        paid.merge(row.account(), row.amount(), Long::sum);
      } else if (row.state().equals("PENDING")
          || row.state().equals("PROCESSING")
          || row.state().equals("UNKNOWN")) {
        inFlight.merge(row.account(), row.amount(), Long::sum);
      }
    }
    try (PreparedStatement query =
        db.prepareStatement("SELECT balance, reserved FROM accounts WHERE id = ?")) {
      for (Map.Entry<UUID, Long> account : openingBalances.entrySet()) {
        query.setObject(1, account.getKey());
        try (ResultSet result = query.executeQuery()) {
          result.next();
          balances.put(account.getKey(), result.getLong(1));
          long expectedBalance = account.getValue() - paid.getOrDefault(account.getKey(), 0L);
          long expectedReserved = inFlight.getOrDefault(account.getKey(), 0L);
          if (result.getLong(1) != expectedBalance || result.getLong(2) != expectedReserved) {
            violation(
                "money mismatches",
                account.getKey()
                    + ": balance "
                    + result.getLong(1)
                    + " reserved "
                    + result.getLong(2)
                    + ", expected "
                    + expectedBalance
                    + " and "
                    + expectedReserved);
          }
        }
      }
    }
  }

  /**
   * Each transaction's history (its state changes, written by the database with each change) agrees
   * with the row, and every completed payment has the bank call that settled it in the journal,
   * with the row's bank reference: a worker killed between the bank's answer and its record leaves
   * that call unanswered, and the call of the claim after it carries the settlement.
   */
  private void checkHistory(Connection db, Collection<UUID> accounts) throws SQLException {
    TransitionAudit.historyDisagreements(db)
        .forEach(line -> violation("histories that disagree with the row", line));
    forEachRow(
        db,
        """
        SELECT t.id, t.bank_reference
        FROM transactions t
        WHERE t.account_id = ANY (?)
          AND t.state = 'COMPLETED'
          AND NOT EXISTS (
              SELECT 1 FROM bank_calls c
              WHERE c.transaction_id = t.id
                AND c.outcome = 'settled'
                AND c.bank_reference = t.bank_reference)
        """,
        accounts,
        row ->
            violation(
                "COMPLETED without a settled bank call on record",
                row.getString(1) + " (bank reference " + row.getString(2) + ")"));
  }

  /**
   * Every final transaction announced its outcome on Kafka exactly once (one event id; the relay
   * may publish that event more than once, as designed), and the announcement is the row's state.
   * The request topic's redelivered copies are counted too: the duplicates the other counts prove
   * harmless.
   */
  private void checkTopics(Map<String, Row> rows) {
    Map<String, String> expected = new HashMap<>();
    rows.values()
        .forEach(
            row ->
                expected.put(
                    row.id(),
                    row.state().equals("COMPLETED")
                        ? "TransactionCompleted"
                        : "TransactionFailed"));
    // transaction -> event id -> type, of the final events
    Map<String, Map<String, String>> finals = new HashMap<>();
    Map<String, Integer> copies = new TreeMap<>();
    Set<String> seenEvents = new HashSet<>();
    try (KafkaConsumer<String, String> consumer = consumer()) {
      consumer.subscribe(List.of(Topics.TRANSACTION_EVENTS, Topics.TRANSACTION_REQUESTED));
      // The relay may still be publishing the last outcomes: read until all are there or 60 s pass;
      // then on to the end of both topics (30 s more), so that a later, contradicting event is
      // seen.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Map<TopicPartition, Long> end = null;
      while (end == null || !reached(consumer, end)) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          JsonNode event = JSON.readTree(record.value());
          String eventId = event.path("eventId").asString("");
          if (eventId.isEmpty() || !event.path("transactionId").asString("").equals(record.key())) {
            violation(
                "events that do not name their transaction",
                record.topic() + " " + record.key() + ": " + event);
            continue;
          }
          if (!seenEvents.add(eventId)) {
            copies.merge(record.topic(), 1, Integer::sum);
          }
          String type = event.path("type").asString("");
          if (type.equals("TransactionCompleted") || type.equals("TransactionFailed")) {
            finals.computeIfAbsent(record.key(), key -> new HashMap<>()).put(eventId, type);
          }
        }
        boolean late = System.nanoTime() >= deadline;
        if (end == null
            && (late || allSeen(expected, finals))
            && !consumer.assignment().isEmpty()) {
          end = consumer.endOffsets(consumer.assignment());
          deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        } else if (late) {
          violation(
              "topics not read to the end",
              end == null
                  ? "no partition was assigned"
                  : "positions "
                      + end.keySet().stream()
                          .map(partition -> partition + "=" + consumer.position(partition))
                          .toList()
                      + ", ends "
                      + end);
          break;
        }
      }
    }
    int most = 0;
    int fewest = Integer.MAX_VALUE;
    for (Map.Entry<String, String> transaction : expected.entrySet()) {
      Map<String, String> events = finals.getOrDefault(transaction.getKey(), Map.of());
      most = Math.max(most, events.size());
      fewest = Math.min(fewest, events.size());
      if (events.isEmpty()) {
        violation(
            "final states missing from Kafka",
            transaction.getKey() + " has no " + transaction.getValue());
      } else if (events.size() > 1) {
        violation(
            "transactions with more than one final event", transaction.getKey() + ": " + events);
      }
      if (events.values().stream().anyMatch(type -> !type.equals(transaction.getValue()))) {
        violation(
            "final events that contradict the row",
            transaction.getKey()
                + " is "
                + rows.get(transaction.getKey()).state()
                + " but Kafka says "
                + events.values());
      }
    }
    figures.put(
        "final events per transaction (min/max)", (expected.isEmpty() ? 0 : fewest) + "/" + most);
    figures.put("events published more than once (same event id, by topic)", copies);
  }

  private KafkaConsumer<String, String> consumer() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "campaign-checker-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
  }

  private static boolean reached(
      KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream()
        .allMatch(partition -> consumer.position(partition.getKey()) >= partition.getValue());
  }

  private static boolean allSeen(
      Map<String, String> expected, Map<String, Map<String, String>> finals) {
    return expected.keySet().stream().allMatch(finals::containsKey);
  }

  private Map<String, Row> rows(Connection db, Collection<UUID> accounts) throws SQLException {
    Map<String, Row> rows = new HashMap<>();
    forEachRow(
        db,
        "SELECT id, account_id, state, amount, currency, creditor_iban, reference, failure_code, bank_reference"
            + " FROM transactions WHERE account_id = ANY (?)",
        accounts,
        result ->
            rows.put(
                result.getString(1),
                new Row(
                    result.getString(1),
                    (UUID) result.getObject(2),
                    result.getString(3),
                    result.getLong(4),
                    result.getString(5),
                    result.getString(6),
                    result.getString(7),
                    result.getString(8),
                    result.getString(9))));
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
  private static void forEachRow(
      Connection db, String sql, Collection<UUID> accounts, RowReader reader) throws SQLException {
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
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + apiKey)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}

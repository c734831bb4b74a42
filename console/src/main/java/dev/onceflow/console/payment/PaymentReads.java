package dev.onceflow.console.payment;

import static dev.onceflow.store.StateSql.instant;

import dev.onceflow.model.TransactionState;
import dev.onceflow.ops.OperatorActions;
import dev.onceflow.store.TransactionHistory;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What a payment's page and the search read, their statements here as constants: a row of {@code
 * transactions} and the rows an id matches. A payment's history is read through {@link
 * TransactionHistory}. Read-only: the ops role may write, but nothing here does.
 */
@Component
public class PaymentReads {

  /** At most this many matches are listed for one search. */
  static final int SEARCH_LIMIT = 50;

  static final String PAYMENT =
      """
      SELECT t.id, t.client_id, c.name AS client_name, t.account_id, t.state, t.amount, t.currency,
             t.creditor_name, t.creditor_iban, t.reference, t.idempotency_key, t.trace_id,
             t.external_key, t.bank_reference, t.failure_code, t.failure_detail, t.attempts,
             t.created_at, t.updated_at, t.unknown_since
      FROM transactions t
      LEFT JOIN clients c ON c.id = t.client_id
      WHERE t.id = :id
      """;

  static final String SEARCH_BY_ID =
      """
      SELECT id, client_id, state, created_at, idempotency_key, external_key, bank_reference
      FROM transactions
      WHERE id = :id
      """;

  /** The other ids of the chain, each with an index of its own (V15__console.sql for two). */
  static final String SEARCH_BY_KEY =
      """
      SELECT id, client_id, state, created_at, idempotency_key, external_key, bank_reference
      FROM transactions
      WHERE idempotency_key = :text OR external_key = :text OR bank_reference = :text
      ORDER BY created_at DESC, id
      LIMIT :limit
      """;

  /** A transaction's row, as its page shows it. */
  public record Payment(
      UUID id,
      UUID clientId,
      String clientName,
      UUID accountId,
      String state,
      long amount,
      String currency,
      String creditorName,
      String creditorIban,
      String reference,
      String idempotencyKey,
      String traceId,
      String externalKey,
      String bankReference,
      String failureCode,
      String failureDetail,
      int attempts,
      Instant createdAt,
      Instant updatedAt,
      Instant unknownSince) {

    /** What the ops commands would retry: {@link OperatorActions#RETRYABLE}. */
    public boolean retryable() {
      return state.equals(TransactionState.FAILED.name())
          && OperatorActions.RETRYABLE.name().equals(failureCode);
    }
  }

  /** A transaction a search found, with which of its ids matched. */
  record Match(UUID id, UUID clientId, String state, Instant createdAt, List<String> matchedBy) {}

  private final JdbcClient jdbc;
  private final TransactionHistory history;
  private final Clock clock;

  PaymentReads(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.history = new TransactionHistory(jdbc);
    this.clock = clock;
  }

  public Optional<Payment> payment(UUID id) {
    return jdbc.sql(PAYMENT)
        .param("id", id)
        .query(
            (rows, n) ->
                new Payment(
                    rows.getObject("id", UUID.class),
                    rows.getObject("client_id", UUID.class),
                    rows.getString("client_name"),
                    rows.getObject("account_id", UUID.class),
                    rows.getString("state"),
                    rows.getLong("amount"),
                    rows.getString("currency"),
                    rows.getString("creditor_name"),
                    rows.getString("creditor_iban"),
                    rows.getString("reference"),
                    rows.getString("idempotency_key"),
                    rows.getString("trace_id"),
                    rows.getString("external_key"),
                    rows.getString("bank_reference"),
                    rows.getString("failure_code"),
                    rows.getString("failure_detail"),
                    rows.getInt("attempts"),
                    instant(rows, "created_at"),
                    instant(rows, "updated_at"),
                    instant(rows, "unknown_since")))
        .optional();
  }

  /** The payment's timeline: its states, events, bank calls and ops actions, oldest first. */
  List<PaymentTimeline.Entry> timeline(UUID id) {
    return PaymentTimeline.entries(
        history.stateChanges(id),
        history.events(id),
        history.bankCalls(id),
        history.actions(id),
        clock.instant());
  }

  /**
   * Transactions with an id equal to the query, newest first: the transaction's own, then the one
   * an outbox event of that id announced, then those whose keys or reference equal it.
   */
  List<Match> search(SearchQuery query) {
    Set<UUID> seen = new LinkedHashSet<>();
    List<Match> matches = new ArrayList<>();
    query
        .transactionId()
        .flatMap(id -> byId(id, query))
        .ifPresent(
            match -> {
              seen.add(match.id());
              matches.add(match);
            });
    query
        .transactionId()
        .flatMap(history::transactionOfEvent)
        .flatMap(id -> byId(id, query))
        .ifPresent(
            match -> {
              List<String> by = new ArrayList<>(match.matchedBy());
              by.add("outbox event id");
              Match byEvent =
                  new Match(match.id(), match.clientId(), match.state(), match.createdAt(), by);
              if (seen.add(match.id())) {
                matches.add(byEvent);
              } else {
                matches.set(0, byEvent);
              }
            });
    jdbc.sql(SEARCH_BY_KEY)
        .param("text", query.text())
        .param("limit", SEARCH_LIMIT)
        .query((rows, n) -> match(rows, query))
        .list()
        .forEach(
            match -> {
              if (seen.add(match.id())) {
                matches.add(match);
              }
            });
    return matches.size() > SEARCH_LIMIT ? matches.subList(0, SEARCH_LIMIT) : matches;
  }

  private Optional<Match> byId(UUID id, SearchQuery query) {
    return jdbc.sql(SEARCH_BY_ID).param("id", id).query((rows, n) -> match(rows, query)).optional();
  }

  private static Match match(ResultSet rows, SearchQuery query) throws SQLException {
    UUID id = rows.getObject("id", UUID.class);
    UUID clientId = rows.getObject("client_id", UUID.class);
    return new Match(
        id,
        clientId,
        rows.getString("state"),
        instant(rows, "created_at"),
        matchedBy(
            query,
            id,
            clientId,
            rows.getString("idempotency_key"),
            rows.getString("external_key"),
            rows.getString("bank_reference")));
  }

  /** Which of a transaction's ids equal the query, in words an operator reads. */
  static List<String> matchedBy(
      SearchQuery query,
      UUID id,
      UUID clientId,
      String idempotencyKey,
      String externalKey,
      String bankReference) {
    List<String> matched = new ArrayList<>();
    if (query.transactionId().filter(id::equals).isPresent()) {
      matched.add("transaction id");
    }
    if (query.text().equals(idempotencyKey)) {
      matched.add("Idempotency-Key of client " + clientId);
    }
    if (query.text().equals(externalKey)) {
      matched.add("external bank key");
    }
    if (query.text().equals(bankReference)) {
      matched.add("bank reference");
    }
    return List.copyOf(matched);
  }
}

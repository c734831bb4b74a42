package dev.onceflow.console.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class SearchQueryTest {

  @Test
  void nothingToSearchForIsNoQuery() {
    assertThat(SearchQuery.parse(null)).isEmpty();
    assertThat(SearchQuery.parse("")).isEmpty();
    assertThat(SearchQuery.parse("  \t ")).isEmpty();
    assertThat(SearchQuery.parse("k".repeat(SearchQuery.MAX_LENGTH + 1))).isEmpty();
    assertThat(SearchQuery.parse("k".repeat(SearchQuery.MAX_LENGTH))).isPresent();
  }

  @Test
  void aUuidIsAlsoLookedUpAsATransactionId() {
    UUID id = UUID.randomUUID();

    SearchQuery query = SearchQuery.parse("  " + id.toString().toUpperCase() + " ").orElseThrow();

    assertThat(query.text()).isEqualTo(id.toString().toUpperCase());
    assertThat(query.transactionId()).contains(id);
  }

  @Test
  void anythingElseIsOnlyAKey() {
    assertThat(SearchQuery.parse("order-42").orElseThrow().transactionId()).isEmpty();
    // UUID.fromString takes this short spelling; no transaction id is written so.
    assertThat(SearchQuery.parse("1-2-3-4-5").orElseThrow().transactionId()).isEmpty();
    assertThat(
            SearchQuery.parse("0000000g-0000-0000-0000-000000000000").orElseThrow().transactionId())
        .isEmpty();
  }

  @Test
  void saysWhichIdsMatched() {
    UUID id = UUID.randomUUID();
    UUID client = UUID.randomUUID();
    SearchQuery query = SearchQuery.parse(id.toString()).orElseThrow();

    assertThat(PaymentReads.matchedBy(query, id, client, id.toString(), "ext", null))
        .containsExactly("transaction id", "Idempotency-Key of client " + client);
    assertThat(
            PaymentReads.matchedBy(
                SearchQuery.parse("ref-1").orElseThrow(), id, client, null, "ref-1", "ref-1"))
        .containsExactly("external bank key", "bank reference");
  }
}

package dev.onceflow.console.payment;

import java.util.Optional;
import java.util.UUID;

/**
 * What an operator typed into the search box, as the ids it may be. Any text may be an
 * Idempotency-Key, an external bank key or a bank reference (a client's key is often a UUID too),
 * and a UUID may also be the transaction's id or an outbox event's, so a query is looked up as all
 * of them at once.
 *
 * @param text the query without surrounding whitespace
 * @param transactionId the query as a transaction (or event) id, if it is a UUID
 */
record SearchQuery(String text, Optional<UUID> transactionId) {

  /** The longest id searched for: the idempotency key's column ({@code varchar(255)}). */
  static final int MAX_LENGTH = 255;

  /** The query, or empty when there is nothing to search for or it can match no id. */
  static Optional<SearchQuery> parse(String raw) {
    if (raw == null) {
      return Optional.empty();
    }
    String text = raw.strip();
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    return Optional.of(new SearchQuery(text, uuid(text)));
  }

  /** Only the canonical 36-character form: UUID.fromString also takes shorter, odd spellings. */
  private static Optional<UUID> uuid(String text) {
    if (text.length() != 36) {
      return Optional.empty();
    }
    try {
      UUID id = UUID.fromString(text);
      return id.toString().equalsIgnoreCase(text) ? Optional.of(id) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}

package dev.onceflow.intake.transaction;

import dev.onceflow.model.TransactionState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What a client's transaction list is narrowed to; every part is optional (null or empty: any).
 *
 * @param createdFrom inclusive
 * @param createdTo exclusive
 * @param idempotencyKey the key the transaction was submitted with: found even after the key
 *     expired, and every transaction it started if it was used again after that
 */
public record TransactionFilter(
    Set<TransactionState> states,
    UUID accountId,
    Instant createdFrom,
    Instant createdTo,
    String idempotencyKey) {

  /** The {@code FROM ... WHERE} of the list, for the client, with its parameters. */
  String from(UUID clientId, Map<String, Object> params) {
    StringBuilder sql = new StringBuilder("FROM transactions WHERE client_id = :clientId");
    params.put("clientId", clientId);
    if (states != null && !states.isEmpty()) {
      sql.append(" AND state IN (:states)");
      params.put("states", states.stream().map(Enum::name).toList());
    }
    if (accountId != null) {
      sql.append(" AND account_id = :accountId");
      params.put("accountId", accountId);
    }
    if (createdFrom != null) {
      sql.append(" AND created_at >= :createdFrom");
      params.put("createdFrom", OffsetDateTime.ofInstant(createdFrom, ZoneOffset.UTC));
    }
    if (createdTo != null) {
      sql.append(" AND created_at < :createdTo");
      params.put("createdTo", OffsetDateTime.ofInstant(createdTo, ZoneOffset.UTC));
    }
    if (idempotencyKey != null) {
      sql.append(" AND idempotency_key = :idempotencyKey");
      params.put("idempotencyKey", idempotencyKey);
    }
    return sql.toString();
  }
}

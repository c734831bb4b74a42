package dev.onceflow.worker.settlement;

import dev.onceflow.model.TransactionState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The worker's transitions of a transaction, each one statement; the updates return the number of
 * rows they changed. Plain SQL rather than Spring Data: these run for every payment, and the
 * repository proxies and Hibernate's query handling around them cost more CPU than the statements.
 */
@Repository
class SettlementRepository {

  /** The row as the worker needs it, read where the row is also being changed or inspected. */
  record RowState(TransactionState state, Instant nextAttemptAt, String idempotencyKey, String externalKey) {}

  private final JdbcClient jdbc;

  SettlementRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Takes the row under a lease if it is due: PENDING -> PROCESSING (a bank call follows; the first
   * claim of a round, attempts 0, starts the transaction's deadline), or an UNKNOWN row stays
   * UNKNOWN with its lookup counted (a lookup follows; its next one is not due before the lease
   * ends, so a duplicate record cannot take the row from the lookup in progress). The row as the
   * claim left it.
   */
  Optional<ClaimedTransaction> claim(UUID id, Instant now, Instant leaseUntil) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = CASE WHEN state = 'PENDING' THEN 'PROCESSING' ELSE state END,
                attempts = CASE WHEN state = 'PENDING' THEN attempts + 1 ELSE attempts END,
                lookups = CASE WHEN state = 'UNKNOWN' THEN lookups + 1 ELSE lookups END,
                first_attempt_at = CASE WHEN state = 'PENDING' AND (attempts = 0 OR first_attempt_at IS NULL) THEN :now ELSE first_attempt_at END,
                next_attempt_at = CASE WHEN state = 'UNKNOWN' THEN :leaseUntil ELSE next_attempt_at END,
                lease_until = :leaseUntil, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state IN ('PENDING', 'UNKNOWN')
            AND next_attempt_at <= :now
            RETURNING id, state, version, attempts, account_id, amount, currency, creditor_name, creditor_iban, reference,
                      external_key, idempotency_key, first_attempt_at, lookups, absence_trusted_from, bank_reference
            """)
        .param("id", id)
        .param("now", utc(now))
        .param("leaseUntil", utc(leaseUntil))
        .query((rows, n) -> claimed(rows, now))
        .optional();
  }

  Optional<RowState> rowState(UUID id) {
    return jdbc.sql("SELECT state, next_attempt_at, idempotency_key, external_key FROM transactions WHERE id = :id")
        .param("id", id)
        .query((rows, n) -> new RowState(
            TransactionState.valueOf(rows.getString("state")),
            instant(rows, "next_attempt_at"),
            rows.getString("idempotency_key"),
            rows.getString("external_key")))
        .optional();
  }

  /** PROCESSING or UNKNOWN -> COMPLETED, only for the claim that holds {@code version}. */
  int complete(UUID id, TransactionState from, long version, String bankReference, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'COMPLETED', bank_reference = :bankReference, lease_until = :now, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = :from
            AND version = :version
            """)
        .param("id", id)
        .param("from", claimedState(from))
        .param("version", version)
        .param("bankReference", bankReference)
        .param("now", utc(now))
        .update();
  }

  /** PROCESSING or UNKNOWN -> FAILED, only for the claim that holds {@code version}. */
  int fail(UUID id, TransactionState from, long version, String failureCode, String failureDetail, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'FAILED', failure_code = :failureCode, failure_detail = :failureDetail, lease_until = :now, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = :from
            AND version = :version
            """)
        .param("id", id)
        .param("from", claimedState(from))
        .param("version", version)
        .param("failureCode", failureCode)
        .param("failureDetail", failureDetail)
        .param("now", utc(now))
        .update();
  }

  /**
   * PROCESSING -> PENDING until {@code nextAttemptAt}; the lease ends then too, so the sweeper
   * re-enqueues the row when it is due.
   */
  int retryLater(UUID id, long version, Instant nextAttemptAt, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'PENDING', next_attempt_at = :nextAttemptAt, lease_until = :nextAttemptAt, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = 'PROCESSING'
            AND version = :version
            """)
        .param("id", id)
        .param("version", version)
        .param("nextAttemptAt", utc(nextAttemptAt))
        .param("now", utc(now))
        .update();
  }

  /**
   * PROCESSING -> UNKNOWN: no more payment calls; the first lookup at {@code nextLookupAt}.
   *
   * @param absenceTrustedFrom from when "no payment for this key" is believed; null if the bank
   *     acknowledged the payment
   * @param bankReference the payment id the bank named, or null
   */
  int becomeUnknown(
      UUID id, long version, Instant absenceTrustedFrom, String bankReference, Instant nextLookupAt, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'UNKNOWN', unknown_since = :now, absence_trusted_from = :absenceTrustedFrom,
                bank_reference = COALESCE(:bankReference, bank_reference),
                next_attempt_at = :nextLookupAt, lease_until = :nextLookupAt, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = 'PROCESSING'
            AND version = :version
            """)
        .param("id", id)
        .param("version", version)
        .param("absenceTrustedFrom", absenceTrustedFrom == null ? null : utc(absenceTrustedFrom))
        .param("bankReference", bankReference)
        .param("nextLookupAt", utc(nextLookupAt))
        .param("now", utc(now))
        .update();
  }

  /** UNKNOWN stays UNKNOWN, its next lookup at {@code nextLookupAt}; only for the claim that holds {@code version}. */
  int lookUpLater(UUID id, long version, String bankReference, Instant nextLookupAt, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET bank_reference = COALESCE(:bankReference, bank_reference),
                absence_trusted_from = CASE WHEN :bankReference::varchar IS NULL THEN absence_trusted_from END,
                next_attempt_at = :nextLookupAt, lease_until = :nextLookupAt, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = 'UNKNOWN'
            AND version = :version
            """)
        .param("id", id)
        .param("version", version)
        .param("bankReference", bankReference)
        .param("nextLookupAt", utc(nextLookupAt))
        .param("now", utc(now))
        .update();
  }

  /** The payment completed: the reserved amount leaves the balance. */
  int settle(UUID accountId, long amount, Instant now) {
    return jdbc.sql(
            """
            UPDATE accounts
            SET balance = balance - :amount, reserved = reserved - :amount, version = version + 1, updated_at = :now
            WHERE id = :accountId
            AND reserved >= :amount
            """)
        .param("accountId", accountId)
        .param("amount", amount)
        .param("now", utc(now))
        .update();
  }

  /** The payment failed: the reserved amount becomes available again. */
  int release(UUID accountId, long amount, Instant now) {
    return jdbc.sql(
            """
            UPDATE accounts
            SET reserved = reserved - :amount, version = version + 1, updated_at = :now
            WHERE id = :accountId
            AND reserved >= :amount
            """)
        .param("accountId", accountId)
        .param("amount", amount)
        .param("now", utc(now))
        .update();
  }

  private static String claimedState(TransactionState from) {
    if (from != TransactionState.PROCESSING && from != TransactionState.UNKNOWN) {
      throw new IllegalArgumentException("the worker holds only PROCESSING or UNKNOWN rows, not " + from);
    }
    return from.name();
  }

  private static ClaimedTransaction claimed(ResultSet rows, Instant claimedAt) throws SQLException {
    return new ClaimedTransaction(
        rows.getObject("id", UUID.class),
        TransactionState.valueOf(rows.getString("state")),
        claimedAt,
        rows.getLong("version"),
        rows.getInt("attempts"),
        rows.getObject("account_id", UUID.class),
        rows.getLong("amount"),
        rows.getString("currency"),
        rows.getString("creditor_name"),
        rows.getString("creditor_iban"),
        rows.getString("reference"),
        rows.getString("external_key"),
        rows.getString("idempotency_key"),
        instant(rows, "first_attempt_at"),
        rows.getInt("lookups"),
        instant(rows, "absence_trusted_from"),
        rows.getString("bank_reference"));
  }

  private static Instant instant(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}

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
   * PENDING -> PROCESSING, if the row is due; the row as the claim left it (its new version and
   * attempt number). The first claim of a round (attempts 0: new, or reopened by an ops retry)
   * starts the transaction's deadline.
   */
  Optional<ClaimedTransaction> claim(UUID id, Instant now, Instant leaseUntil) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'PROCESSING', attempts = attempts + 1, lease_until = :leaseUntil, version = version + 1, updated_at = :now,
                first_attempt_at = CASE WHEN attempts = 0 OR first_attempt_at IS NULL THEN :now ELSE first_attempt_at END
            WHERE id = :id
            AND state = 'PENDING'
            AND next_attempt_at <= :now
            RETURNING id, version, attempts, account_id, amount, currency, creditor_name, creditor_iban, reference,
                      external_key, idempotency_key, first_attempt_at
            """)
        .param("id", id)
        .param("now", utc(now))
        .param("leaseUntil", utc(leaseUntil))
        .query((rows, n) -> claimed(rows))
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

  /** PROCESSING -> COMPLETED, only for the claim that holds {@code version}. */
  int complete(UUID id, long version, String bankReference, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'COMPLETED', bank_reference = :bankReference, lease_until = :now, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = 'PROCESSING'
            AND version = :version
            """)
        .param("id", id)
        .param("version", version)
        .param("bankReference", bankReference)
        .param("now", utc(now))
        .update();
  }

  /** PROCESSING -> FAILED, only for the claim that holds {@code version}. */
  int fail(UUID id, long version, String failureCode, String failureDetail, Instant now) {
    return jdbc.sql(
            """
            UPDATE transactions
            SET state = 'FAILED', failure_code = :failureCode, failure_detail = :failureDetail, lease_until = :now, version = version + 1, updated_at = :now
            WHERE id = :id
            AND state = 'PROCESSING'
            AND version = :version
            """)
        .param("id", id)
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

  private static ClaimedTransaction claimed(ResultSet rows) throws SQLException {
    return new ClaimedTransaction(
        rows.getObject("id", UUID.class),
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
        instant(rows, "first_attempt_at"));
  }

  private static Instant instant(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}

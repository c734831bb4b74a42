package dev.onceflow.intake.transaction;

import dev.onceflow.model.PaymentTransaction;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The writes of every submission and confirm, as plain SQL (the outbox event is {@link Outbox}'s):
 * they run for every payment, and in the benchmark's profile the repository proxies and
 * Hibernate's query handling and flush around them cost more CPU than the statements themselves.
 * Each runs in the caller's DB transaction.
 */
@Repository
class SubmissionStatements {

  private final JdbcClient jdbc;

  SubmissionStatements(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Claims the client's key for a new transaction: 1 row means this request owns the key, 0 rows
   * means a live claim exists. An expired row counts as free and is taken over in the same
   * statement, so a key reused after its TTL starts afresh whether or not the purge has run.
   *
   * <p>Races: a concurrent claim that is not yet committed makes PostgreSQL wait for it. If it
   * commits, the conflict is re-checked against the row it wrote, whose expiry lies in the future,
   * so this claim gets 0 rows and the winner's row is readable; if it rolls back, this claim
   * proceeds as if it had never been there. The old transaction stays; only the key moves on.
   */
  int claimKey(UUID clientId, String key, String fingerprint, UUID transactionId, Instant now, Instant expiresAt) {
    return jdbc.sql(
            """
            INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint,
                                          transaction_id, created_at, expires_at)
            VALUES (:clientId, :key, :fingerprint, :transactionId, :now, :expiresAt)
            ON CONFLICT (client_id, idempotency_key) DO UPDATE
            SET request_fingerprint = EXCLUDED.request_fingerprint,
                transaction_id = EXCLUDED.transaction_id,
                created_at = EXCLUDED.created_at,
                expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
            """)
        .param("clientId", clientId)
        .param("key", key)
        .param("fingerprint", fingerprint)
        .param("transactionId", transactionId)
        .param("now", utc(now))
        .param("expiresAt", utc(expiresAt))
        .update();
  }

  /**
   * Reserves {@code amount} if the client's account in that currency has it available. The check
   * and the change are one statement, so concurrent reservations cannot overdraw: 0 rows means no
   * such account, another currency, or not enough available funds.
   */
  int reserve(UUID accountId, UUID clientId, String currency, long amount, Instant now) {
    return jdbc.sql(
            """
            UPDATE accounts
            SET reserved = reserved + :amount,
                version = version + 1,
                updated_at = :now
            WHERE id = :id
              AND client_id = :clientId
              AND currency = :currency
              AND balance - reserved >= :amount
            """)
        .param("id", accountId)
        .param("clientId", clientId)
        .param("currency", currency)
        .param("amount", amount)
        .param("now", utc(now))
        .update();
  }

  /** Inserts a new transaction row, as built in memory (version 0). */
  void insert(PaymentTransaction transaction) {
    jdbc.sql(
            """
            INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name,
                                      creditor_iban, reference, external_key, idempotency_key, attempts,
                                      next_attempt_at, lease_until, failure_code, failure_detail, version,
                                      created_at, updated_at)
            VALUES (:id, :clientId, :accountId, :state, :amount, :currency, :creditorName,
                    :creditorIban, :reference, :externalKey, :idempotencyKey, :attempts,
                    :nextAttemptAt, :leaseUntil, :failureCode, :failureDetail, 0,
                    :createdAt, :updatedAt)
            """)
        .param("id", transaction.getId())
        .param("clientId", transaction.getClientId())
        .param("accountId", transaction.getAccountId())
        .param("state", transaction.getState().name())
        .param("amount", transaction.getAmount())
        .param("currency", transaction.getCurrency())
        .param("creditorName", transaction.getCreditorName())
        .param("creditorIban", transaction.getCreditorIban())
        .param("reference", transaction.getReference())
        .param("externalKey", transaction.getExternalKey())
        .param("idempotencyKey", transaction.getIdempotencyKey())
        .param("attempts", transaction.getAttempts())
        .param("nextAttemptAt", utc(transaction.getNextAttemptAt()))
        .param("leaseUntil", utc(transaction.getLeaseUntil()))
        .param("failureCode", transaction.getFailureCode() == null ? null : transaction.getFailureCode().name())
        .param("failureDetail", transaction.getFailureDetail())
        .param("createdAt", utc(transaction.getCreatedAt()))
        .param("updatedAt", utc(transaction.getUpdatedAt()))
        .update();
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}

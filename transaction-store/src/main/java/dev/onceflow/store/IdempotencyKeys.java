package dev.onceflow.store;

import static dev.onceflow.store.StateSql.utc;

import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The writes of the {@code idempotency_keys} table: a new submission's claim of its client's key
 * (for every payment, in intake's DB transaction, before the payment's own rows are written), and
 * the purge of expired keys.
 */
public final class IdempotencyKeys {

  /**
   * An expired row counts as free and is taken over in the same statement, so a key reused after
   * its TTL starts afresh whether or not the purge has run.
   */
  public static final String CLAIM =
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
      """;

  /**
   * The outer condition is repeated because a concurrent claim may have taken a selected row over
   * (a new row version that is not expired): the re-check then leaves it alone.
   */
  public static final String PURGE_EXPIRED =
      """
      DELETE FROM idempotency_keys
      WHERE ctid IN (
          SELECT ctid
          FROM idempotency_keys
          WHERE expires_at <= :now
          LIMIT :batchSize
      )
        AND expires_at <= :now
      """;

  private final JdbcClient jdbc;

  public IdempotencyKeys(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Claims the client's key for a new transaction: 1 row means this request owns the key, 0 rows
   * means a live claim exists.
   *
   * <p>Races: a concurrent claim that is not yet committed makes PostgreSQL wait for it. If it
   * commits, the conflict is re-checked against the row it wrote, whose expiry lies in the future,
   * so this claim gets 0 rows and the winner's row is readable; if it rolls back, this claim
   * proceeds as if it had never been there. The old transaction stays; only the key moves on.
   */
  public int claim(
      UUID clientId,
      String key,
      String fingerprint,
      UUID transactionId,
      Instant now,
      Instant expiresAt) {
    return jdbc.sql(CLAIM)
        .param("clientId", clientId)
        .param("key", key)
        .param("fingerprint", fingerprint)
        .param("transactionId", transactionId)
        .param("now", utc(now))
        .param("expiresAt", utc(expiresAt))
        .update();
  }

  /**
   * Deletes up to {@code batchSize} expired keys in one statement; returns how many. Transactions
   * are never deleted, only the keys that pointed at them.
   */
  public int purgeExpired(Instant now, int batchSize) {
    return jdbc.sql(PURGE_EXPIRED).param("now", utc(now)).param("batchSize", batchSize).update();
  }
}

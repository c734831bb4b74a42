package dev.onceflow.intake.transaction;

import dev.onceflow.model.IdempotencyKey;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

public interface IdempotencyKeyRepository extends Repository<IdempotencyKey, IdempotencyKey.Id> {

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
  @Modifying
  @Query(
      value =
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
          """,
      nativeQuery = true)
  int claim(
      @Param("clientId") UUID clientId,
      @Param("key") String key,
      @Param("fingerprint") String fingerprint,
      @Param("transactionId") UUID transactionId,
      @Param("now") Instant now,
      @Param("expiresAt") Instant expiresAt);

  /** The client's key unless it has expired (an expired key is forgotten, purged or not). */
  @Query(
      """
      SELECT k
      FROM IdempotencyKey k
      WHERE k.id.clientId = :clientId
        AND k.id.key = :key
        AND k.expiresAt > :now
      """)
  Optional<IdempotencyKey> findLive(
      @Param("clientId") UUID clientId, @Param("key") String key, @Param("now") Instant now);

  /**
   * Deletes up to {@code batchSize} expired keys in one DB transaction; returns how many. The outer
   * condition is repeated because a concurrent claim may have taken a selected row over (a new row
   * version that is not expired): the re-check then leaves it alone. Transactions are never
   * deleted, only the keys that pointed at them.
   */
  @Transactional
  @Modifying
  @Query(
      value =
          """
          DELETE FROM idempotency_keys
          WHERE ctid IN (
              SELECT ctid
              FROM idempotency_keys
              WHERE expires_at <= :now
              LIMIT :batchSize
          )
            AND expires_at <= :now
          """,
      nativeQuery = true)
  int purgeExpired(@Param("now") Instant now, @Param("batchSize") int batchSize);
}

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

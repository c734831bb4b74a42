package dev.onceflow.intake.transaction;

import dev.onceflow.model.IdempotencyKey;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

public interface IdempotencyKeyRepository extends Repository<IdempotencyKey, IdempotencyKey.Id> {

  /**
   * Claims the client's key for a new transaction. The primary key decides: 1 row means this
   * request owns the key; 0 rows means another request already did. A concurrent claim that is not
   * yet committed makes PostgreSQL wait for it, so after 0 rows the winner's row is readable.
   */
  @Modifying
  @Query(
      value =
          """
          INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint,
                                        transaction_id, created_at, expires_at)
          VALUES (:clientId, :key, :fingerprint, :transactionId, :now, :expiresAt)
          ON CONFLICT (client_id, idempotency_key) DO NOTHING
          """,
      nativeQuery = true)
  int claim(
      @Param("clientId") UUID clientId,
      @Param("key") String key,
      @Param("fingerprint") String fingerprint,
      @Param("transactionId") UUID transactionId,
      @Param("now") Instant now,
      @Param("expiresAt") Instant expiresAt);

  Optional<IdempotencyKey> findById(IdempotencyKey.Id id);
}

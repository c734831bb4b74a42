package dev.onceflow.intake.transaction;

import dev.onceflow.model.IdempotencyKey;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

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
}

package dev.onceflow.intake.client;

import dev.onceflow.model.ApiClient;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

public interface ApiClientRepository extends Repository<ApiClient, UUID> {

  Optional<ApiClient> findById(UUID id);

  Optional<ApiClient> findByApiKeyHash(String apiKeyHash);

  List<ApiClient> findAllByOrderByCreatedAtAscIdAsc();

  /** Registers a client unless its id or key hash is taken; returns the rows inserted. */
  @Modifying
  @Query(
      value =
          """
          INSERT INTO clients (id, name, api_key_hash, created_at)
          VALUES (:id, :name, :apiKeyHash, :now)
          ON CONFLICT DO NOTHING
          """,
      nativeQuery = true)
  int insertIfAbsent(
      @Param("id") UUID id,
      @Param("name") String name,
      @Param("apiKeyHash") String apiKeyHash,
      @Param("now") Instant now);
}

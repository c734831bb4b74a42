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

  List<ApiClient> findAllByOrderByCreatedAtAscIdAsc();

  long count();

  /** Registers a client unless its id is taken; returns the rows inserted. */
  @Modifying
  @Query(
      value =
          """
          INSERT INTO clients (id, name, created_at)
          VALUES (:id, :name, :now)
          ON CONFLICT DO NOTHING
          """,
      nativeQuery = true)
  int insertIfAbsent(@Param("id") UUID id, @Param("name") String name, @Param("now") Instant now);
}

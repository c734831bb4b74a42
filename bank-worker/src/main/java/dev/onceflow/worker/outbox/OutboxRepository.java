package dev.onceflow.worker.outbox;

import dev.onceflow.model.OutboxEvent;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

interface OutboxRepository extends Repository<OutboxEvent, UUID> {

  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
          VALUES (:id, :aggregateType, :aggregateId, :type, CAST(:payload AS jsonb), :spanContext)
          """)
  int insertEvent(
      UUID id, String aggregateType, String aggregateId, String type, String payload, String spanContext);

  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          DELETE FROM outbox
          WHERE id = :id
          """)
  int deleteEvent(UUID id);
}

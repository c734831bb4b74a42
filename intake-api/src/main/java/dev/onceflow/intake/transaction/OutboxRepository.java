package dev.onceflow.intake.transaction;

import dev.onceflow.model.OutboxEvent;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

/** The outbox is written and emptied in one DB transaction: Debezium reads the insert from the WAL. */
public interface OutboxRepository extends Repository<OutboxEvent, UUID> {

  @Modifying
  @Query(
      value =
          """
          INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
          VALUES (:id, :aggregateType, :aggregateId, :type, CAST(:payload AS jsonb), :spanContext)
          """,
      nativeQuery = true)
  int insert(
      @Param("id") UUID id,
      @Param("aggregateType") String aggregateType,
      @Param("aggregateId") String aggregateId,
      @Param("type") String type,
      @Param("payload") String payload,
      @Param("spanContext") String spanContext);

  @Modifying
  @Query(value = "DELETE FROM outbox WHERE id = :id", nativeQuery = true)
  int delete(@Param("id") UUID id);
}

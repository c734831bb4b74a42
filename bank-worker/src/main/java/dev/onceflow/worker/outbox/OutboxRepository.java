package dev.onceflow.worker.outbox;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The outbox's two statements, run for every outcome (plain SQL: see SettlementRepository). */
@Repository
class OutboxRepository {

  private final JdbcClient jdbc;

  OutboxRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  int insertEvent(
      UUID id, String aggregateType, String aggregateId, String type, String payload, String spanContext) {
    return jdbc.sql(
            """
            INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
            VALUES (:id, :aggregateType, :aggregateId, :type, CAST(:payload AS jsonb), :spanContext)
            """)
        .param("id", id)
        .param("aggregateType", aggregateType)
        .param("aggregateId", aggregateId)
        .param("type", type)
        .param("payload", payload)
        .param("spanContext", spanContext)
        .update();
  }

  int deleteEvent(UUID id) {
    return jdbc.sql("DELETE FROM outbox WHERE id = :id").param("id", id).update();
  }
}

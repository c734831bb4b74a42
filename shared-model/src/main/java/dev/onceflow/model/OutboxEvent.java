package dev.onceflow.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A row of the transactional outbox. Rows live only inside the DB transaction that writes them
 * (insert, then delete): Debezium reads the insert from the WAL.
 */
@Entity
@Table(name = "outbox")
public class OutboxEvent {

  @Id private UUID id;

  @Column(name = "aggregatetype", nullable = false)
  private String aggregateType;

  @Column(name = "aggregateid", nullable = false)
  private String aggregateId;

  @Column(nullable = false)
  private String type;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false)
  private String payload;

  /** See {@link OutboxSpanContext}; null when the writer had no trace. */
  @Column(name = OutboxSpanContext.COLUMN)
  private String tracingSpanContext;

  protected OutboxEvent() {}

  public UUID getId() {
    return id;
  }

  public String getAggregateType() {
    return aggregateType;
  }

  public String getAggregateId() {
    return aggregateId;
  }

  public String getType() {
    return type;
  }

  public String getPayload() {
    return payload;
  }

  public String getTracingSpanContext() {
    return tracingSpanContext;
  }
}

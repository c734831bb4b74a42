package dev.onceflow.model;

import java.util.UUID;

/**
 * A row of the transactional outbox, and the two statements that write it. A row lives only inside
 * the DB transaction that writes it ({@link #INSERT}, then {@link #DELETE}): Debezium reads the
 * insert from the WAL, and the table never grows. The statements' named parameters are this
 * record's components, so a writer binds the record itself.
 *
 * @param payload the event as JSON text
 * @param spanContext see {@link OutboxSpanContext}; null when the writer had no trace
 */
public record OutboxRow(
    UUID id,
    String aggregateType,
    String aggregateId,
    String type,
    String payload,
    String spanContext) {

  public static final String INSERT =
      """
      INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tracingspancontext)
      VALUES (:id, :aggregateType, :aggregateId, :type, CAST(:payload AS jsonb), :spanContext)
      """;

  public static final String DELETE = "DELETE FROM outbox WHERE id = :id";

  /** The row announcing {@code event} of {@code type} on its stream, keyed by the transaction. */
  public static OutboxRow of(
      EventType type, TransactionEvent event, String payload, String spanContext) {
    return new OutboxRow(
        event.eventId(),
        type.stream(),
        event.transactionId().toString(),
        type.wireName(),
        payload,
        spanContext);
  }
}

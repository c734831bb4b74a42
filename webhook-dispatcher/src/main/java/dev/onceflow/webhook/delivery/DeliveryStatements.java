package dev.onceflow.webhook.delivery;

/**
 * The dispatcher's SQL. A delivery is PENDING until DELIVERED or FAILED; while an attempt runs it
 * stays PENDING with {@code next_attempt_at} moved to the end of the attempt's lease, and the
 * attempt's outcome is recorded only if no other dispatcher took the delivery over meanwhile
 * ({@code attempts} still the attempt's number).
 */
final class DeliveryStatements {

  /**
   * The transaction an event names, as its webhook shows it, if its client has an endpoint: for
   * every other client's events this one statement is all the dispatcher does.
   */
  static final String TRANSACTION_WITH_ENDPOINTS =
      """
      SELECT id, client_id, state, account_id, amount, currency, creditor_name, creditor_iban,
             reference, attempts, bank_reference, failure_code, failure_detail, idempotency_key,
             trace_id, created_at, updated_at
      FROM transactions t
      WHERE id = :transactionId
        AND EXISTS (SELECT 1 FROM webhook_endpoints e
                    WHERE e.client_id = t.client_id AND e.deleted_at IS NULL)
      """;

  /**
   * One delivery of the event per live endpoint of the client that takes its type and existed when
   * it happened. A redelivered event adds nothing.
   */
  static final String CREATE =
      """
      INSERT INTO webhook_deliveries
          (id, endpoint_id, event_id, event_type, transaction_id, payload, state, attempts,
           next_attempt_at, give_up_at, created_at)
      SELECT gen_random_uuid(), e.id, :eventId, :eventType, :transactionId, :payload, 'PENDING', 0,
             :now, :giveUpAt, :now
      FROM webhook_endpoints e
      WHERE e.client_id = :clientId AND e.deleted_at IS NULL AND :eventType = ANY (e.event_types)
        AND e.created_at <= :occurredAt
      ORDER BY e.id
      ON CONFLICT (endpoint_id, event_id) DO NOTHING
      """;

  /**
   * Takes up to {@code :limit} due deliveries for one attempt each. A delivery waits while an
   * earlier one of the same transaction to the same endpoint is still pending, so that each
   * endpoint receives a transaction's events in order.
   */
  static final String CLAIM =
      """
      WITH due AS (
          SELECT d.id FROM webhook_deliveries d
          WHERE d.state = 'PENDING' AND d.next_attempt_at <= :now
            AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries earlier
                WHERE earlier.endpoint_id = d.endpoint_id
                  AND earlier.transaction_id = d.transaction_id
                  AND earlier.state = 'PENDING' AND earlier.seq < d.seq)
          ORDER BY d.next_attempt_at
          LIMIT :limit
          FOR UPDATE OF d SKIP LOCKED)
      UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = :leaseUntil
      FROM due, webhook_endpoints e
      WHERE d.id = due.id AND e.id = d.endpoint_id
      RETURNING d.id, d.attempts, d.event_id, d.event_type, d.transaction_id, d.payload, d.give_up_at,
                e.url, e.secret
      """;

  static final String RECORD_ATTEMPT =
      """
      INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, status_code, error)
      VALUES (:id, :attempt, :startedAt, :latencyMs, :statusCode, :error)
      ON CONFLICT DO NOTHING
      """;

  static final String DELIVERED =
      """
      UPDATE webhook_deliveries
      SET state = 'DELIVERED', delivered_at = :now, last_status = :statusCode, last_error = NULL
      WHERE id = :id AND attempts = :attempt AND state = 'PENDING'
      """;

  static final String RETRY =
      """
      UPDATE webhook_deliveries
      SET next_attempt_at = :nextAttemptAt, last_status = :statusCode, last_error = :error
      WHERE id = :id AND attempts = :attempt AND state = 'PENDING'
      """;

  static final String FAILED =
      """
      UPDATE webhook_deliveries
      SET state = 'FAILED', last_status = :statusCode, last_error = :error
      WHERE id = :id AND attempts = :attempt AND state = 'PENDING'
      """;

  private DeliveryStatements() {}
}

package dev.onceflow.intake.webhook;

/** Intake's SQL on the webhook tables (V12__webhooks.sql); the dispatcher has its own. */
final class WebhookStatements {

  /** Serializes a client's registrations, so that the endpoint limit holds under races. */
  static final String LOCK_CLIENT = "SELECT id FROM clients WHERE id = :clientId FOR UPDATE";

  static final String COUNT_LIVE =
      "SELECT count(*) FROM webhook_endpoints WHERE client_id = :clientId AND deleted_at IS NULL";

  static final String INSERT =
      """
      INSERT INTO webhook_endpoints (id, client_id, url, event_types, secret, created_at)
      VALUES (:id, :clientId, :url, :eventTypes, :secret, :now)
      """;

  static final String ENDPOINT_COLUMNS = "SELECT id, url, event_types, created_at ";

  static final String LIVE =
      "FROM webhook_endpoints WHERE client_id = :clientId AND deleted_at IS NULL";

  static final String BY_IDS = ENDPOINT_COLUMNS + "FROM webhook_endpoints WHERE id IN (:ids)";

  static final String ONE = ENDPOINT_COLUMNS + LIVE + " AND id = :id";

  static final String DELETE =
      """
      UPDATE webhook_endpoints SET deleted_at = :now
      WHERE id = :id AND client_id = :clientId AND deleted_at IS NULL
      """;

  /** A deleted endpoint's pending deliveries are never sent. */
  static final String ABANDON_PENDING =
      """
      UPDATE webhook_deliveries SET state = 'FAILED', last_error = 'endpoint deleted'
      WHERE endpoint_id = :id AND state = 'PENDING'
      """;

  static final String DELIVERIES_OF = "FROM webhook_deliveries WHERE endpoint_id = :endpointId";

  static final String DELIVERIES_BY_IDS =
      """
      SELECT id, event_id, event_type, transaction_id, state, attempts, created_at, next_attempt_at,
             give_up_at, delivered_at, last_status, last_error
      FROM webhook_deliveries WHERE id IN (:ids)
      """;

  static final String ATTEMPTS_OF =
      """
      SELECT delivery_id, attempt, started_at, latency_ms, status_code, error
      FROM webhook_attempts WHERE delivery_id IN (:ids) ORDER BY delivery_id, attempt
      """;

  static final String DELIVERY_OF_ENDPOINT =
      "SELECT id FROM webhook_deliveries WHERE id = :deliveryId AND endpoint_id = :endpointId";

  /**
   * A re-send: a delivered or failed delivery is due again now, with a retry period as long as its
   * first. A pending one is left as it is (it is being tried anyway).
   */
  static final String RESEND =
      """
      UPDATE webhook_deliveries
      SET state = 'PENDING', next_attempt_at = :now, resent_at = :now, delivered_at = NULL,
          give_up_at = :now + (give_up_at - coalesce(resent_at, created_at))
      WHERE id = :deliveryId AND endpoint_id = :endpointId AND state <> 'PENDING'
      """;

  private WebhookStatements() {}
}

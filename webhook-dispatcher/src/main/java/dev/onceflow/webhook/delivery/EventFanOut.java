package dev.onceflow.webhook.delivery;

import dev.onceflow.model.LogContext;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.webhook.WebhookProperties;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads payments.transaction-events and records, for each event, one delivery per endpoint that
 * takes it. The offset is committed after the deliveries are (Spring Kafka's default, after the
 * listener returns), so a crash redelivers the event and the unique (endpoint, event) adds nothing
 * twice. Events of one transaction share a partition and are read in order, which gives their
 * deliveries their order.
 */
@Component
class EventFanOut {

  private static final Logger log = LoggerFactory.getLogger(EventFanOut.class);

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Clock clock;
  private final WebhookProperties properties;

  EventFanOut(JdbcClient jdbc, JsonMapper json, Clock clock, WebhookProperties properties) {
    this.jdbc = jdbc;
    this.json = json;
    this.clock = clock;
    this.properties = properties;
  }

  @KafkaListener(topics = Topics.TRANSACTION_EVENTS)
  void onEvent(ConsumerRecord<String, String> record) {
    if (record.value() == null) {
      return; // a tombstone: no event
    }
    TransactionEvent event = json.readValue(record.value(), TransactionEvent.class);
    try (MDC.MDCCloseable eventId =
            MDC.putCloseable(LogContext.EVENT_ID, event.eventId().toString());
        MDC.MDCCloseable transactionId =
            MDC.putCloseable(LogContext.TRANSACTION_ID, event.transactionId().toString())) {
      fanOut(event);
    }
  }

  /** One delivery per endpoint of the event's client that existed when it happened. */
  private void fanOut(TransactionEvent event) {
    Optional<Snapshot> transaction =
        jdbc.sql(DeliveryStatements.TRANSACTION_WITH_ENDPOINTS)
            .param("transactionId", event.transactionId())
            .query(this::snapshot)
            .optional();
    if (transaction.isEmpty()) {
      return; // its client has no endpoint
    }
    Instant now = clock.instant();
    int created =
        jdbc.sql(DeliveryStatements.CREATE)
            .param("eventId", event.eventId())
            .param("eventType", event.type())
            .param("transactionId", event.transactionId())
            .param("payload", payload(event, transaction.get().view()))
            .param("now", utc(now))
            .param("giveUpAt", utc(now.plus(properties.retryPeriod())))
            .param("clientId", transaction.get().clientId())
            .param("occurredAt", utc(event.occurredAt()))
            .update();
    if (created > 0) {
      log.info(
          "Event {} ({} of {}): {} deliveries",
          event.eventId(),
          event.type(),
          event.transactionId(),
          created);
    }
  }

  /** The webhook's body: the event, and the transaction as it is now (moments after the event). */
  private String payload(TransactionEvent event, ObjectNode transaction) {
    ObjectNode body = json.createObjectNode();
    body.put("id", event.eventId().toString());
    body.put("type", event.type());
    body.put("occurredAt", event.occurredAt().toString());
    body.putObject("data").set("transaction", transaction);
    return json.writeValueAsString(body);
  }

  private record Snapshot(UUID clientId, ObjectNode view) {}

  /** The transaction with the fields and names of the API's transaction view. */
  private Snapshot snapshot(ResultSet rs, int row) throws SQLException {
    ObjectNode view = json.createObjectNode();
    view.put("id", rs.getString("id"));
    view.put("state", rs.getString("state"));
    view.put("accountId", rs.getString("account_id"));
    view.put("amount", rs.getLong("amount"));
    view.put("currency", rs.getString("currency"));
    ObjectNode creditor = view.putObject("creditor");
    creditor.put("name", rs.getString("creditor_name"));
    creditor.put("iban", rs.getString("creditor_iban"));
    view.put("reference", rs.getString("reference"));
    view.put("attempts", rs.getInt("attempts"));
    view.put("bankReference", rs.getString("bank_reference"));
    if (rs.getString("failure_code") == null) {
      view.putNull("failure");
    } else {
      ObjectNode failure = view.putObject("failure");
      failure.put("code", rs.getString("failure_code"));
      failure.put("detail", rs.getString("failure_detail"));
    }
    view.put("idempotencyKey", rs.getString("idempotency_key"));
    view.put("traceId", rs.getString("trace_id"));
    view.put("createdAt", instant(rs, "created_at").toString());
    view.put("updatedAt", instant(rs, "updated_at").toString());
    return new Snapshot(rs.getObject("client_id", UUID.class), view);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}

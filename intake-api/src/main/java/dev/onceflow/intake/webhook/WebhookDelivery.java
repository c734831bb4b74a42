package dev.onceflow.intake.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One event's delivery to one endpoint, with the log of its attempts (oldest first).
 *
 * @param nextAttemptAt while PENDING, when it is tried next (or, during an attempt, when that
 *     attempt's lease ends); null otherwise
 */
public record WebhookDelivery(
    UUID id,
    UUID eventId,
    String eventType,
    UUID transactionId,
    String state,
    int attempts,
    Instant createdAt,
    Instant nextAttemptAt,
    Instant giveUpAt,
    Instant deliveredAt,
    Integer lastStatus,
    String lastError,
    List<Attempt> log) {

  /**
   * @param statusCode the endpoint's HTTP status, or null when no answer came ({@code error} says
   *     why)
   */
  public record Attempt(
      int attempt, Instant startedAt, int latencyMs, Integer statusCode, String error) {}

  WebhookDelivery withLog(List<Attempt> attempts) {
    return new WebhookDelivery(
        id,
        eventId,
        eventType,
        transactionId,
        state,
        this.attempts,
        createdAt,
        nextAttemptAt,
        giveUpAt,
        deliveredAt,
        lastStatus,
        lastError,
        attempts);
  }
}

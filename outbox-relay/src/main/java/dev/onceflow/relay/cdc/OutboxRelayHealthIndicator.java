package dev.onceflow.relay.cdc;

import dev.onceflow.relay.publish.KafkaPublisher;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the engine streams the outbox to Kafka, and while it stands by for another relay that
 * does (the state detail tells which); DOWN while it starts, restarts or is stopped.
 */
public final class OutboxRelayHealthIndicator implements HealthIndicator {

  private final OutboxRelayEngine engine;
  private final ReplicationSlotMonitor slot;
  private final KafkaPublisher publisher;

  public OutboxRelayHealthIndicator(
      OutboxRelayEngine engine, ReplicationSlotMonitor slot, KafkaPublisher publisher) {
    this.engine = engine;
    this.slot = slot;
    this.publisher = publisher;
  }

  @Override
  public Health health() {
    OutboxRelayEngine.Status status = engine.status();
    boolean healthy = status.running() || status.state() == OutboxRelayEngine.State.STANDBY;
    Health.Builder health = healthy ? Health.up() : Health.down();
    health.withDetail("state", status.state()).withDetail("restarts", status.restarts());
    slot.retainedWalBytes().ifPresent(bytes -> health.withDetail("retainedWalBytes", bytes));
    KafkaPublisher.LastPublication last = publisher.lastPublication();
    if (last != null) {
      health
          .withDetail("lastPublishedAt", last.at().toString())
          .withDetail("lastCommitToAckMillis", last.commitToAckMillis());
    }
    if (status.lastError() != null) {
      health.withDetail("lastError", status.lastError());
    }
    return health.build();
  }
}

package dev.onceflow.relay.cdc;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the engine streams the outbox to Kafka, and while it stands by for another relay that
 * does (the state detail tells which); DOWN while it starts, restarts or is stopped.
 */
public final class OutboxRelayHealthIndicator implements HealthIndicator {

  private final OutboxRelayEngine engine;
  private final ReplicationSlotMonitor slot;

  public OutboxRelayHealthIndicator(OutboxRelayEngine engine, ReplicationSlotMonitor slot) {
    this.engine = engine;
    this.slot = slot;
  }

  @Override
  public Health health() {
    OutboxRelayEngine.Status status = engine.status();
    boolean healthy = status.running() || status.state() == OutboxRelayEngine.State.STANDBY;
    Health.Builder health = healthy ? Health.up() : Health.down();
    health.withDetail("state", status.state()).withDetail("restarts", status.restarts());
    slot.retainedWalBytes().ifPresent(bytes -> health.withDetail("retainedWalBytes", bytes));
    if (status.lastError() != null) {
      health.withDetail("lastError", status.lastError());
    }
    return health.build();
  }
}

package dev.onceflow.relay.cdc;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the engine streams the outbox to Kafka; DOWN while it starts, restarts or is stopped.
 */
public final class OutboxRelayHealthIndicator implements HealthIndicator {

  private final OutboxRelayEngine engine;

  public OutboxRelayHealthIndicator(OutboxRelayEngine engine) {
    this.engine = engine;
  }

  @Override
  public Health health() {
    OutboxRelayEngine.Status status = engine.status();
    Health.Builder health = status.running() ? Health.up() : Health.down();
    health.withDetail("state", status.state()).withDetail("restarts", status.restarts());
    if (status.lastError() != null) {
      health.withDetail("lastError", status.lastError());
    }
    return health.build();
  }
}

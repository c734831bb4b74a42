package dev.onceflow.intake.transaction.web;

import dev.onceflow.intake.LimitProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * Counts the long-polls waiting, per client and in all: each holds a connection and an entry in the
 * watcher, so one client cannot hold them all. A poll that finds no slot is answered at once,
 * without {@code Preference-Applied}, which tells the client its wait was not granted.
 */
@Component
class WaitingPolls {

  private final LimitProperties limits;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<UUID, AtomicInteger> perClient = new ConcurrentHashMap<>();

  WaitingPolls(LimitProperties limits, MeterRegistry meters) {
    this.limits = limits;
    Gauge.builder("onceflow.intake.long.polls.waiting", total, AtomicInteger::get)
        .description("Long-polls waiting for a change")
        .register(meters);
  }

  /** Takes a slot for the client, or says there is none; a taken slot must be {@link #release}d. */
  boolean tryTake(UUID clientId) {
    if (total.incrementAndGet() > limits.longPolls()) {
      total.decrementAndGet();
      return false;
    }
    AtomicInteger own = perClient.computeIfAbsent(clientId, id -> new AtomicInteger());
    if (own.incrementAndGet() > limits.longPollsPerClient()) {
      release(clientId);
      return false;
    }
    return true;
  }

  void release(UUID clientId) {
    total.decrementAndGet();
    // Removed once at zero, so the map holds only clients that are waiting.
    perClient.computeIfPresent(
        clientId, (id, count) -> count.decrementAndGet() == 0 ? null : count);
  }
}

package dev.onceflow.worker.monitoring;

import dev.onceflow.model.TransactionState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Gauges of transactions by state and of stuck ones, recounted on a schedule and cached: a
 * Prometheus scrape (or several, from several scrapers) reads the cache and never hits the
 * database.
 */
@Component
public class TransactionGauges {

  private static final Logger log = LoggerFactory.getLogger(TransactionGauges.class);

  private final MonitoringRepository transactions;
  private final Clock clock;
  private final MonitoringProperties properties;
  private final Map<TransactionState, AtomicLong> byState = new EnumMap<>(TransactionState.class);
  private final AtomicLong expiredLeases = new AtomicLong();
  private final AtomicLong overdue = new AtomicLong();
  private final AtomicLong oldestUnknownSeconds = new AtomicLong();

  TransactionGauges(
      MonitoringRepository transactions,
      Clock clock,
      MonitoringProperties properties,
      MeterRegistry meters) {
    this.transactions = transactions;
    this.clock = clock;
    this.properties = properties;
    for (TransactionState state : TransactionState.values()) {
      AtomicLong count = new AtomicLong();
      byState.put(state, count);
      Gauge.builder("onceflow.transactions", count, AtomicLong::get)
          .description("Transactions by state, as of the last recount")
          .tag("state", state.name())
          .register(meters);
    }
    Gauge.builder("onceflow.transactions.stuck", expiredLeases, AtomicLong::get)
        .description("PROCESSING transactions whose lease expired, as of the last recount")
        .tag("reason", "lease-expired")
        .register(meters);
    Gauge.builder("onceflow.transactions.stuck", overdue, AtomicLong::get)
        .description("PENDING transactions due for longer than onceflow.monitoring.overdue-after")
        .tag("reason", "overdue")
        .register(meters);
    Gauge.builder("onceflow.transactions.unknown.oldest.age", oldestUnknownSeconds, AtomicLong::get)
        .description(
            "How long the oldest UNKNOWN transaction has waited for the bank's answer, in seconds")
        .baseUnit("seconds")
        .register(meters);
  }

  @Scheduled(fixedDelayString = "${onceflow.monitoring.refresh-interval:10s}")
  void refreshOnSchedule() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // The gauges keep their last values; a stale gauge is better than a failed scrape.
      log.warn("Could not recount transactions for the gauges: {}", e.getMessage());
    }
  }

  /** Recounts now. */
  public void refresh() {
    Instant now = clock.instant();
    Map<TransactionState, Long> counts = transactions.countByState();
    byState.forEach((state, gauge) -> gauge.set(counts.getOrDefault(state, 0L)));
    expiredLeases.set(transactions.countExpiredLeases(now));
    overdue.set(transactions.countOverdue(now.minus(properties.overdueAfter())));
    Instant oldestUnknown = transactions.oldestUnknownSince();
    oldestUnknownSeconds.set(
        oldestUnknown == null ? 0 : Math.max(0, Duration.between(oldestUnknown, now).toSeconds()));
  }
}

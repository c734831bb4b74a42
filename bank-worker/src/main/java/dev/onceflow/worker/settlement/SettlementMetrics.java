package dev.onceflow.worker.settlement;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Counters for what the worker did with each request (bank call latency is timed by the client).
 */
@Component
public class SettlementMetrics {

  private final MeterRegistry meters;

  SettlementMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  /** completed, failed, unknown, retry-scheduled or lease-lost. */
  void outcome(String outcome) {
    counter("onceflow.worker.outcomes", "Outcomes the worker recorded", "outcome", outcome)
        .increment();
  }

  /** An unknown outcome scheduled another attempt; {@code cause} as in the bank client. */
  void retry(String cause) {
    counter(
            "onceflow.worker.retries",
            "Attempts rescheduled after an unknown outcome",
            "cause",
            cause)
        .increment();
  }

  /** A transaction became UNKNOWN: {@code why} is budget, deadline or pending. */
  void unknown(String why) {
    counter(
            "onceflow.worker.unknown",
            "Transactions that became UNKNOWN (lookups only), by why",
            "why",
            why)
        .increment();
  }

  /** A lookup by key: settled, declined, pending, other, not-found, unreachable. */
  void reconciliation(String result) {
    counter("onceflow.worker.reconciliations", "Lookups of a payment by key", "result", result)
        .increment();
  }

  /**
   * A request the worker did not act on: final, in-progress, not-due, lost-race,
   * unknown-transaction, stopping.
   */
  void skip(String reason) {
    counter("onceflow.worker.skips", "Requests skipped without a bank call", "reason", reason)
        .increment();
  }

  /** A lookup of an UNKNOWN transaction got no answer at all: if it lasts, a human should look. */
  void needsAttention() {
    Counter.builder("onceflow.worker.needs.attention")
        .description("Lookups of UNKNOWN transactions that the bank did not answer")
        .register(meters)
        .increment();
  }

  /** A record that is not a TransactionRequested went to the dead-letter topic. */
  void deadLettered(String reason) {
    counter(
            "onceflow.worker.dead.letters",
            "Records sent to the dead-letter topic",
            "reason",
            reason)
        .increment();
  }

  /** A record still failed after the error handler's retries; the sweeper will re-drive its row. */
  void unprocessed() {
    Counter.builder("onceflow.worker.unprocessed")
        .description("Records given up by the error handler; the sweeper re-drives their rows")
        .register(meters)
        .increment();
  }

  private Counter counter(String name, String description, String tag, String value) {
    return Counter.builder(name).description(description).tag(tag, value).register(meters);
  }
}

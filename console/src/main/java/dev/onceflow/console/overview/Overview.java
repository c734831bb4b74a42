package dev.onceflow.console.overview;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Everything the overview shows, read at one instant: the database's figures, the relay's and
 * Kafka's.
 */
record Overview(
    Map<String, Long> byState,
    long total,
    OverviewReads.OldestUnknown oldestUnknown,
    long unansweredCalls,
    OverviewReads.Throughput throughput,
    OverviewReads.Latency latency,
    OverviewReads.RelaySlot relaySlot,
    OverviewReads.Heartbeat heartbeat,
    KafkaReads.KafkaFigures kafka,
    Instant at) {

  /** When read, to the second: the page's "as of" (the nanoseconds only make it harder to read). */
  public String asOf() {
    return at.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}

package dev.onceflow.console.overview;

import java.time.Instant;
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
    Instant at) {}

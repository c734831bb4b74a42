package dev.onceflow.benchmark;

import java.util.Map;
import java.util.TreeMap;

/**
 * Commit->ack quantiles of the records the relay published between two readings of its histogram:
 * the relay's own metric is cumulative since it started, so only a difference says what one phase's
 * records took.
 */
record RelayLag(double p50, double p99, long count) {

  /**
   * The relay's commit->ack histogram from its Prometheus endpoint: bucket bound (ms) -> records at
   * or below it.
   */
  static Map<Double, Long> buckets(String relayManagementUrl) {
    return Actuator.bucketsMillis(
        relayManagementUrl, "onceflow_relay_publish_latency_seconds", "since=\"commit\"");
  }

  static RelayLag between(Map<Double, Long> before, Map<Double, Long> after) {
    Map<Double, Long> delta = new TreeMap<>();
    after.forEach(
        (bound, cumulative) -> delta.put(bound, cumulative - before.getOrDefault(bound, 0L)));
    long count = delta.getOrDefault(Double.POSITIVE_INFINITY, 0L);
    return new RelayLag(bound(delta, 0.5, count), bound(delta, 0.99, count), count);
  }

  /** The smallest bucket bound that holds at least the quantile's share of the records. */
  private static double bound(Map<Double, Long> cumulative, double quantile, long count) {
    if (count == 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Long> bucket : cumulative.entrySet()) {
      if (bucket.getValue() >= Math.ceil(quantile * count)) {
        return bucket.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}

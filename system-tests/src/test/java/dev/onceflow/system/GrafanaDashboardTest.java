package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard file is valid and its queries can be read. That every metric it queries is exported
 * is checked against the running services, in {@code PaymentPipelineIT}.
 */
class GrafanaDashboardTest {

  @Test
  void readsMetricNamesAndJobsOutOfPromQl() {
    Map<String, Set<String>> metrics =
        GrafanaDashboard.metrics(
            "sum by (state) (rate(a_total{job=\"intake-api\", uri=\"/x\"}[$__rate_interval]))"
                + " / on (state) group_left max(b_seconds_max) * 100 + c offset 5m");

    assertThat(metrics)
        .containsOnlyKeys("a_total", "b_seconds_max", "c")
        .containsEntry("a_total", Set.of("intake-api"))
        .containsEntry("c", Set.of());
  }

  @Test
  void queriesOnlyOnceflowMetricsOrTheStandardOnesOfSpringAndKafka() {
    Map<String, Set<String>> metrics = GrafanaDashboard.metrics();

    assertThat(GrafanaDashboard.expressions()).hasSizeGreaterThan(10);
    assertThat(metrics.keySet())
        .contains(
            "onceflow_transactions",
            "onceflow_relay_slot_retained_wal_bytes",
            "onceflow_worker_retries_total")
        .allMatch(
            name -> name.matches("(onceflow|http_server_requests|kafka_consumer)_[a-z0-9_]+"));
    assertThat(metrics.values().stream().flatMap(Set::stream))
        .allMatch(
            job ->
                Set.of("intake-api", "outbox-relay", "bank-worker", "bank-simulator")
                    .contains(job));
  }
}

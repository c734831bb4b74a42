package dev.onceflow.relay;

import dev.onceflow.relay.cdc.DebeziumTracing;
import dev.onceflow.relay.cdc.OutboxConnectorConfig;
import dev.onceflow.relay.cdc.OutboxRelayEngine;
import dev.onceflow.relay.cdc.OutboxRelayHealthIndicator;
import dev.onceflow.relay.cdc.PostgresLocation;
import dev.onceflow.relay.cdc.RelayLeadership;
import dev.onceflow.relay.cdc.ReplicationSlotMonitor;
import dev.onceflow.relay.publish.KafkaPublisher;
import dev.onceflow.relay.publish.RelayTopics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration(proxyBeanMethods = false)
class RelayConfiguration {

  private final String bootstrapServers;

  RelayConfiguration(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  @Bean
  RelayTopics relayTopics(RelayProperties relay) {
    return new RelayTopics(bootstrapServers, relay);
  }

  /** Closed by the context after the engine's lifecycle has stopped, never while it still sends. */
  @Bean
  KafkaPublisher kafkaPublisher(RelayProperties relay, Clock clock, MeterRegistry meters) {
    return new KafkaPublisher(
        bootstrapServers, relay.linger(), relay.deliveryTimeout(), clock, meters);
  }

  @Bean
  OutboxRelayEngine outboxRelayEngine(
      RelayProperties relay,
      DataSourceProperties dataSource,
      RelayTopics topics,
      KafkaPublisher publisher,
      Clock clock,
      MeterRegistry meters,
      ObjectProvider<OpenTelemetry> openTelemetry) {
    // Here, not in a bean of its own: it must happen before the engine can start.
    openTelemetry.ifAvailable(DebeziumTracing::install);
    var config =
        OutboxConnectorConfig.build(
            relay,
            PostgresLocation.fromJdbcUrl(dataSource.getUrl()),
            dataSource.getUsername(),
            dataSource.getPassword(),
            bootstrapServers);
    var leadership =
        new RelayLeadership(
            dataSource.getUrl(),
            dataSource.getUsername(),
            dataSource.getPassword(),
            relay.slotName());
    return new OutboxRelayEngine(
        config,
        leadership,
        relay.standbyPollInterval(),
        topics::createMissing,
        publisher,
        clock,
        relay.restartDelay(),
        relay.stopTimeout(),
        meters);
  }

  @Bean
  ReplicationSlotMonitor replicationSlotMonitor(
      JdbcTemplate jdbc, RelayProperties relay, MeterRegistry meters) {
    ReplicationSlotMonitor monitor = new ReplicationSlotMonitor(jdbc, relay.slotName());
    Gauge.builder(
            "onceflow.relay.slot.retained.wal",
            monitor,
            m ->
                m.retainedWalBytes().stream()
                    .mapToDouble(bytes -> bytes)
                    .findFirst()
                    .orElse(Double.NaN))
        .description("WAL the replication slot holds back (not yet confirmed by the relay)")
        .baseUnit("bytes")
        .register(meters);
    return monitor;
  }

  @Bean
  OutboxRelayHealthIndicator outboxRelayHealthIndicator(
      OutboxRelayEngine engine, ReplicationSlotMonitor slot, KafkaPublisher publisher) {
    return new OutboxRelayHealthIndicator(engine, slot, publisher);
  }
}

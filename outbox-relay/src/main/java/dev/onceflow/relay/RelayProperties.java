package dev.onceflow.relay;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the outbox relay ({@code onceflow.relay.*}). Connections come from the standard
 * {@code spring.datasource.*} and {@code spring.kafka.bootstrap-servers} properties.
 *
 * @param requestTopicPartitions partitions of payments.transaction-requested when the relay creates
 *     it
 * @param eventsTopicPartitions partitions of payments.transaction-events when the relay creates it
 * @param topicReplicationFactor replication factor of both event topics when the relay creates them
 * @param slotName PostgreSQL logical replication slot; it holds the WAL the relay has not confirmed
 * @param publicationName PostgreSQL publication of the outbox and heartbeat tables; the schema
 *     migration creates {@code onceflow_outbox}, another name must be created by the database owner
 * @param pollInterval how long Debezium's reader sleeps when the replication stream has nothing,
 *     and how long its queue collects a batch: each adds up to this much to the commit-to-publish
 *     latency (500 ms by default in Debezium). The queue's poll also busy-waits through the last
 *     millisecond of every interval (3.6.1 ends the wait at {@code elapsed > interval} but sleeps
 *     only {@code interval - elapsed}, which is 0 at {@code elapsed == interval}), so the relay
 *     burns about 1/(interval + 1 ms) of a core even when idle: a third of one at 2 ms, a sixth at
 *     5
 * @param offsetTopic compacted Kafka topic holding the engine's offsets (its position in the WAL)
 * @param offsetTopicReplicationFactor replication factor of the offset topic
 * @param offsetFlushInterval how often published positions are committed; a crash re-sends at most
 *     what was published during this interval
 * @param heartbeatInterval how often Debezium records its WAL position even when the outbox is
 *     idle, so that the slot does not hold back WAL written by other tables; 0 turns it off
 * @param standbyPollInterval how often a standby relay tries to take over, and how often the active
 *     one checks it still holds the lock: it bounds the failover time
 * @param restartDelay wait before restarting an engine that stopped with an error
 * @param stopTimeout longest wait for the engine to stop when the application shuts down
 * @param linger how long the producer waits to fill a request before sending it; 0 because the
 *     relay waits for each batch's acknowledgements anyway (records still share a request while one
 *     is in flight)
 * @param deliveryTimeout how long a send may take, retries included, before it fails the batch (and
 *     the engine restarts from its last committed position); also bounds topic creation
 */
@ConfigurationProperties("onceflow.relay")
public record RelayProperties(
    @DefaultValue("6") int requestTopicPartitions,
    @DefaultValue("6") int eventsTopicPartitions,
    @DefaultValue("1") short topicReplicationFactor,
    @DefaultValue("onceflow_outbox") String slotName,
    @DefaultValue("onceflow_outbox") String publicationName,
    @DefaultValue("5ms") Duration pollInterval,
    @DefaultValue("onceflow.relay-offsets") String offsetTopic,
    @DefaultValue("1") short offsetTopicReplicationFactor,
    @DefaultValue("1s") Duration offsetFlushInterval,
    @DefaultValue("10s") Duration heartbeatInterval,
    @DefaultValue("1s") Duration standbyPollInterval,
    @DefaultValue("5s") Duration restartDelay,
    @DefaultValue("30s") Duration stopTimeout,
    @DefaultValue("0ms") Duration linger,
    @DefaultValue("30s") Duration deliveryTimeout) {

  public RelayProperties {
    if (requestTopicPartitions < 1 || eventsTopicPartitions < 1) {
      throw new IllegalArgumentException("topic partitions must be at least 1");
    }
    if (topicReplicationFactor < 1 || offsetTopicReplicationFactor < 1) {
      throw new IllegalArgumentException("replication factors must be at least 1");
    }
    // The producer refuses a delivery timeout that leaves no time for a request after lingering.
    if (deliveryTimeout.compareTo(linger.plusSeconds(1)) < 0) {
      throw new IllegalArgumentException("delivery-timeout must be at least linger + 1s");
    }
  }
}

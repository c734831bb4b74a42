package dev.onceflow.console;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the console looks beyond its own database: the relay's replication slot and the Kafka
 * cluster the workers consume from (the overview's figures, the dead letters and their replay).
 * Bound under {@code onceflow.console}, beside the users.
 *
 * @param relaySlotName the relay's replication slot (its {@code onceflow.relay.slot-name})
 * @param kafkaBootstrapServers the Kafka cluster of the request and dead-letter topics
 * @param workerGroupId the bank workers' consumer group (bank-worker's {@code
 *     RequestConsumer.GROUP_ID}; app modules do not depend on each other, so it is a setting)
 * @param kafkaTimeout how long one refresh of the overview may wait for Kafka, all calls together:
 *     a broker that is down shows as unreachable after this, it never holds the page
 */
@ConfigurationProperties(PipelineSettings.PREFIX)
public record PipelineSettings(
    @DefaultValue("onceflow_outbox") String relaySlotName,
    @DefaultValue("localhost:9092") String kafkaBootstrapServers,
    @DefaultValue("bank-worker") String workerGroupId,
    @DefaultValue("2s") Duration kafkaTimeout) {

  public static final String PREFIX = "onceflow.console";

  /** PostgreSQL's rule for slot names (ReplicationSlotValidateName). */
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

  /** host:port, comma-separated; the host may be a name, an IPv4 or a bracketed IPv6 address. */
  private static final Pattern BOOTSTRAP =
      Pattern.compile(
          "(?:[^\\s,:\\[\\]]+|\\[[0-9A-Fa-f:.]+]):\\d{1,5}(?:,\\s*(?:[^\\s,:\\[\\]]+|\\[[0-9A-Fa-f:.]+]):\\d{1,5})*");

  private static final Duration LONGEST_KAFKA_TIMEOUT = Duration.ofSeconds(30);

  public PipelineSettings {
    if (relaySlotName == null || !SLOT_NAME.matcher(relaySlotName).matches()) {
      throw new InvalidSettingException(
          PREFIX
              + ".relay-slot-name must be 1 to 63 lower-case letters, digits or underscores"
              + " (PostgreSQL's rule for slot names), is "
              + relaySlotName);
    }
    if (kafkaBootstrapServers == null
        || !BOOTSTRAP.matcher(kafkaBootstrapServers.strip()).matches()) {
      throw new InvalidSettingException(
          PREFIX
              + ".kafka-bootstrap-servers must be host:port[,host:port...], is "
              + kafkaBootstrapServers);
    }
    if (workerGroupId == null || workerGroupId.isBlank()) {
      throw new InvalidSettingException(
          PREFIX + ".worker-group-id must name the bank workers' consumer group, is empty");
    }
    if (kafkaTimeout == null
        || kafkaTimeout.isNegative()
        || kafkaTimeout.isZero()
        || kafkaTimeout.compareTo(LONGEST_KAFKA_TIMEOUT) > 0) {
      throw new InvalidSettingException(
          PREFIX
              + ".kafka-timeout must be more than 0 and at most 30s (the page waits for it), is "
              + kafkaTimeout);
    }
    kafkaBootstrapServers = kafkaBootstrapServers.strip();
  }
}

package dev.onceflow.relay.publish;

import dev.onceflow.model.Topics;
import dev.onceflow.relay.RelayProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the event topics with their intended partition counts before anything is published, so
 * that the broker's auto-creation (with its own defaults) never decides them.
 */
public final class RelayTopics {

  private static final Logger log = LoggerFactory.getLogger(RelayTopics.class);
  private final String bootstrapServers;
  private final Duration timeout;
  private final List<NewTopic> topics;

  public RelayTopics(String bootstrapServers, RelayProperties relay) {
    this.bootstrapServers = bootstrapServers;
    this.timeout = relay.deliveryTimeout();
    this.topics =
        List.of(
            new NewTopic(
                Topics.TRANSACTION_REQUESTED,
                relay.requestTopicPartitions(),
                relay.topicReplicationFactor()),
            new NewTopic(
                Topics.TRANSACTION_EVENTS,
                relay.eventsTopicPartitions(),
                relay.topicReplicationFactor()));
  }

  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  public void createMissing() {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            AdminClientConfig.CLIENT_ID_CONFIG,
            "onceflow-outbox-relay-admin",
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            (int) timeout.toMillis(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) timeout.toMillis());
    Admin admin = Admin.create(config);
    try {
      Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
      for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
        try {
          result.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          log.info("Created Kafka topic {}", result.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + result.getKey(), e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + timeout, e);
    } finally {
      // close() without a timeout waits for every pending request, however long Kafka is away.
      admin.close(Duration.ofSeconds(5));
    }
  }
}

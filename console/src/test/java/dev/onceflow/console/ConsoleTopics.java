package dev.onceflow.console;

import static org.awaitility.Awaitility.await;

import dev.onceflow.model.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The request topic (two partitions) and the dead-letter topic (one, as the workers make it) on the
 * broker the console tests share: whichever test class runs first creates them, the same way, and
 * every test counts from the offsets it finds rather than from 0.
 */
public final class ConsoleTopics {

  private ConsoleTopics() {}

  public static void create(Admin admin) throws Exception {
    for (NewTopic topic :
        List.of(
            new NewTopic(Topics.TRANSACTION_REQUESTED, 2, (short) 1),
            new NewTopic(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, 1, (short) 1))) {
      try {
        admin.createTopics(List.of(topic)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
    // A topic just created may not be in the broker's metadata at once: wait until each partition
    // answers for its offsets, so that tests reading them do not race its creation.
    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    for (int p = 0; p < 2; p++) {
      partitions.put(new TopicPartition(Topics.TRANSACTION_REQUESTED, p), OffsetSpec.latest());
    }
    partitions.put(
        new TopicPartition(Topics.TRANSACTION_REQUESTED_DEAD_LETTER, 0), OffsetSpec.latest());
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> admin.listOffsets(partitions).all().get().size() == partitions.size());
  }
}

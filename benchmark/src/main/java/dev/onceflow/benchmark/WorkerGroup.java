package dev.onceflow.benchmark;

import dev.onceflow.model.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/** The workers' consumer group as the broker sees it: who is in it, and whether it has settled. */
final class WorkerGroup implements AutoCloseable {

  /** The bank worker's consumer group id. */
  static final String GROUP_ID = "bank-worker";

  private final Admin admin;

  WorkerGroup(String bootstrapServers) {
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /**
   * Waits until the group is stable with {@code members} consumers: a worker joining moves
   * partitions, and a drain measured during the rebalance would count the pause.
   */
  void awaitStable(int members, Duration timeout) throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ConsumerGroupDescription group = describe();
    while (group.groupState() != GroupState.STABLE || group.members().size() != members) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("consumer group %s: %s with %d members, expected STABLE with %d"
            .formatted(GROUP_ID, group.groupState(), group.members().size(), members));
      }
      Benchmark.sleep(250);
      group = describe();
    }
    Benchmark.progress("  consumer group stable with %d consumers", members);
  }

  int partitions() throws InterruptedException, ExecutionException {
    return admin.describeTopics(List.of(Topics.TRANSACTION_REQUESTED)).allTopicNames().get()
        .get(Topics.TRANSACTION_REQUESTED).partitions().size();
  }

  private ConsumerGroupDescription describe() throws InterruptedException, ExecutionException {
    return admin.describeConsumerGroups(List.of(GROUP_ID)).all().get().get(GROUP_ID);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}

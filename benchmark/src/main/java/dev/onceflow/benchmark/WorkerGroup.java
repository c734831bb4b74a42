package dev.onceflow.benchmark;

import dev.onceflow.model.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
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

  /** How the request topic's partitions are spread over the group's consumers once it is stable. */
  record Split(int partitions, List<Integer> perConsumer) {

    /** The most partitions one consumer holds: its share of a backlog is the largest. */
    int busiest() {
      return perConsumer.stream().mapToInt(Integer::intValue).max().orElse(partitions);
    }

    @Override
    public String toString() {
      return perConsumer.stream().map(Object::toString).collect(Collectors.joining(" + "));
    }
  }

  /**
   * Waits until the group is stable with {@code members} consumers (one per worker process) that
   * between them hold every partition of the request topic: a worker joining moves partitions, and
   * a drain measured during the rebalance would count the pause.
   */
  Split awaitStable(int members, Duration timeout) throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int partitions = partitions();
    ConsumerGroupDescription group = describe();
    while (group.groupState() != GroupState.STABLE
        || group.members().size() != members
        || assigned(group) != partitions) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "consumer group %s: %s with %d members holding %d of %d partitions, expected STABLE with %d"
                .formatted(
                    GROUP_ID,
                    group.groupState(),
                    group.members().size(),
                    assigned(group),
                    partitions,
                    members));
      }
      Benchmark.sleep(250);
      group = describe();
    }
    Split split =
        new Split(
            partitions,
            group.members().stream()
                .map(member -> member.assignment().topicPartitions().size())
                .sorted()
                .toList());
    Benchmark.progress(
        "  consumer group %s stable: %d consumer%s holding %d partitions (%s)",
        GROUP_ID, members, members == 1 ? "" : "s", partitions, split);
    return split;
  }

  private static int assigned(ConsumerGroupDescription group) {
    return group.members().stream()
        .mapToInt(member -> member.assignment().topicPartitions().size())
        .sum();
  }

  private int partitions() throws InterruptedException, ExecutionException {
    return admin
        .describeTopics(List.of(Topics.TRANSACTION_REQUESTED))
        .allTopicNames()
        .get()
        .get(Topics.TRANSACTION_REQUESTED)
        .partitions()
        .size();
  }

  private ConsumerGroupDescription describe() throws InterruptedException, ExecutionException {
    return admin.describeConsumerGroups(List.of(GROUP_ID)).all().get().get(GROUP_ID);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.Topics;
import dev.onceflow.worker.WorkerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

/**
 * Consumes the request topic with up to {@code onceflow.worker.max-in-flight} records in progress
 * at once, whatever the number of partitions: one poll thread hands each record to a pool of
 * workers and commits each partition's offset only up to its lowest unfinished record, so a crash
 * redelivers every record whose outcome may not be committed (the claim makes a redelivery
 * harmless). When every slot is taken the consumer pauses its partitions and keeps polling, so the
 * backlog waits in Kafka, not in memory, and the group never sees this consumer as stuck.
 *
 * <p>Why not Spring Kafka's container: its out-of-order acks pause the consumer until every record
 * of the previous poll is acknowledged, and its share-group container blocks the next poll the same
 * way, so one slow bank call would hold back all the records polled with it.
 */
@Component
public class RequestConsumer implements SmartLifecycle {

  static final String GROUP_ID = "bank-worker";

  private static final Logger log = LoggerFactory.getLogger(RequestConsumer.class);
  private static final Duration POLL = Duration.ofMillis(100);

  /** While records wait for a slot: poll often, so a freed slot is used at once. */
  private static final Duration POLL_WHILE_FULL = Duration.ofMillis(5);

  /**
   * Finished records are committed at most this often (and at every rebalance and at shutdown): a
   * crash redelivers at most this much work, which the claims then skip.
   */
  private static final long COMMIT_EVERY_NANOS = Duration.ofMillis(200).toNanos();

  private final ConsumerFactory<String, String> consumerFactory;
  private final RequestHandler handler;
  private final int maxInFlight;
  private final Duration shutdownWait;
  private final boolean autoStartup;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final ArrayDeque<ConsumerRecord<String, String>> waiting = new ArrayDeque<>();
  private volatile Set<TopicPartition> assigned = Set.of();

  private long lastCommitNanos = System.nanoTime();
  private volatile boolean running;
  private Thread pollThread;
  private Consumer<String, String> consumer;
  private ExecutorService workers;

  /**
   * A record's work ended (outcome committed, skipped, or given up); its offset may be committed.
   */
  private record Finished(PartitionProgress partition, long offset) {}

  @SuppressWarnings("unchecked")
  RequestConsumer(
      ConsumerFactory<?, ?> consumerFactory,
      RequestHandler handler,
      WorkerProperties worker,
      KafkaProperties kafka,
      MeterRegistry meters) {
    // Boot's factory reads keys and values as strings (spring.kafka.consumer.*'s defaults).
    this.consumerFactory = (ConsumerFactory<String, String>) consumerFactory;
    this.handler = handler;
    this.maxInFlight = worker.maxInFlight();
    this.shutdownWait = worker.lease();
    this.autoStartup = kafka.getListener().isAutoStartup();
    Gauge.builder("onceflow.worker.in.flight", inFlight, AtomicInteger::get)
        .description("Requests this worker is processing now (bank calls included)")
        .register(meters);
    Gauge.builder("onceflow.worker.max.in.flight", () -> maxInFlight)
        .description(
            "Requests this worker processes at once at most (onceflow.worker.max-in-flight)")
        .register(meters);
  }

  @Override
  public boolean isAutoStartup() {
    return autoStartup;
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    if (pollThread != null && pollThread.isAlive()) {
      // The previous run is still committing and closing its consumer: it owns the shared state.
      throw new IllegalStateException("the request consumer is still stopping");
    }
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            maxInFlight,
            maxInFlight,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            new CustomizableThreadFactory("payment-"));
    // Threads exist only while there is work: an idle worker holds none of the max-in-flight.
    pool.allowCoreThreadTimeOut(true);
    workers = pool;
    consumer =
        consumerFactory.createConsumer(
            GROUP_ID,
            null,
            null,
            propertiesOf(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    running = true;
    pollThread = new Thread(this::pollLoop, "request-consumer");
    pollThread.start();
  }

  private static Properties propertiesOf(String... keysAndValues) {
    Properties properties = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return properties;
  }

  @Override
  public void stop() {
    Thread thread;
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      thread = pollThread;
    }
    consumer.wakeup();
    try {
      // The poll thread waits for the records in progress (each ends within its bank call's
      // deadline), commits what they finished and leaves the group.
      thread.join(shutdownWait.plusSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The partitions this worker holds now (for tests and diagnostics). */
  public Collection<TopicPartition> assignedPartitions() {
    return assigned;
  }

  /** Requests in progress right now. */
  public int inFlight() {
    return inFlight.get();
  }

  private void pollLoop() {
    try {
      consumer.subscribe(List.of(Topics.TRANSACTION_REQUESTED), new Rebalance());
      while (running) {
        applyFinished();
        dispatchWaiting();
        pauseWhileFull();
        if (System.nanoTime() - lastCommitNanos >= COMMIT_EVERY_NANOS) {
          commit(false);
          lastCommitNanos = System.nanoTime();
        }
        try {
          for (ConsumerRecord<String, String> record :
              consumer.poll(waiting.isEmpty() ? POLL : POLL_WHILE_FULL)) {
            PartitionProgress partition =
                progress.get(new TopicPartition(record.topic(), record.partition()));
            if (partition == null) {
              continue; // revoked while polling: its new owner reads it again
            }
            partition.started(record.offset());
            waiting.add(record);
          }
        } catch (WakeupException stopping) {
          // stop() wakes the poll; the loop condition ends it
        }
      }
    } catch (RuntimeException e) {
      log.error(
          "The request consumer stopped; its records are redelivered to the other workers", e);
    } finally {
      running = false;
      shutDown();
    }
  }

  /** Hands waiting records to free slots, in the order they were polled. */
  private void dispatchWaiting() {
    while (!waiting.isEmpty() && inFlight.get() < maxInFlight) {
      ConsumerRecord<String, String> record = waiting.poll();
      PartitionProgress partition =
          progress.get(new TopicPartition(record.topic(), record.partition()));
      if (partition == null) {
        continue;
      }
      inFlight.incrementAndGet();
      workers.execute(
          () -> {
            try {
              handler.handle(record);
            } finally {
              finished.add(new Finished(partition, record.offset()));
              inFlight.decrementAndGet();
            }
          });
    }
  }

  private void pauseWhileFull() {
    Set<TopicPartition> paused = consumer.paused();
    if (!waiting.isEmpty()) {
      if (paused.size() < assigned.size()) {
        consumer.pause(assigned);
      }
    } else if (!paused.isEmpty()) {
      consumer.resume(paused);
    }
  }

  private void applyFinished() {
    for (Finished done; (done = finished.poll()) != null; ) {
      done.partition().finished(done.offset());
    }
  }

  private void commit(boolean sync) {
    commit(progress.keySet(), sync);
  }

  private void commit(Collection<TopicPartition> partitions, boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionProgress tracked = progress.get(partition);
      if (tracked != null && tracked.hasNewCommit()) {
        offsets.put(partition, new OffsetAndMetadata(tracked.committable()));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
      offsets.forEach((partition, offset) -> progress.get(partition).committed(offset.offset()));
    } else {
      consumer.commitAsync(
          offsets,
          (committed, error) -> {
            if (error == null) {
              committed.forEach(
                  (partition, offset) -> {
                    PartitionProgress tracked = progress.get(partition);
                    if (tracked != null) {
                      tracked.committed(offset.offset());
                    }
                  });
            } else {
              log.debug("Offset commit failed; the next one carries the same offsets", error);
            }
          });
    }
  }

  private void shutDown() {
    waiting.clear();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(shutdownWait.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "Requests still in progress at shutdown; their leases expire and the sweeper re-drives them");
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    }
    try {
      applyFinished();
      commit(true);
    } catch (RuntimeException e) {
      log.warn("Could not commit the last offsets; their records are redelivered (harmlessly)", e);
    }
    consumer.close();
    assigned = Set.of();
  }

  /** Commits what is finished before partitions leave, and starts afresh on those that arrive. */
  private final class Rebalance implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      applyFinished();
      try {
        commit(partitions, true);
      } catch (RuntimeException e) {
        log.warn(
            "Could not commit offsets of revoked partitions {}; their records are redelivered",
            partitions,
            e);
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        progress.put(partition, new PartitionProgress());
      }
      assigned = Set.copyOf(progress.keySet());
    }

    /**
     * Records of these partitions still in progress finish here (their outcomes are committed in
     * the DB); their offsets are the new owner's to commit, which re-reads them and skips them.
     */
    private void forget(Collection<TopicPartition> partitions) {
      Set<TopicPartition> gone = new HashSet<>(partitions);
      progress.keySet().removeAll(gone);
      waiting.removeIf(
          record -> gone.contains(new TopicPartition(record.topic(), record.partition())));
      assigned = Set.copyOf(progress.keySet());
    }
  }
}

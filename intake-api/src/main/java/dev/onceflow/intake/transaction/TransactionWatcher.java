package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.model.TransactionState;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The long poll's engine: one thread that, every {@code poll-interval}, reads the states of all
 * waiting transactions in one query and completes the waits whose transaction changed state or
 * whose time is up. A waiting client holds neither a request thread (the request is async) nor a DB
 * connection (the watcher borrows one per tick, for all of them).
 */
@Component
public class TransactionWatcher {

  private static final Logger log = LoggerFactory.getLogger(TransactionWatcher.class);

  /** Bounds the size of one IN list; more waiting ids take one query per chunk. */
  private static final int IDS_PER_QUERY = 1000;

  /** One waiting poll. Identity, not value, equality: two clients may wait for the same state. */
  private static final class Waiter {
    final UUID id;
    final TransactionState seen;
    final Instant deadline;
    final CompletableFuture<PaymentTransaction> result = new CompletableFuture<>();

    Waiter(UUID id, TransactionState seen, Instant deadline) {
      this.id = id;
      this.seen = seen;
      this.deadline = deadline;
    }
  }

  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  private final TransactionRepository transactions;
  private final Clock clock;
  private final ScheduledExecutorService ticker;

  TransactionWatcher(TransactionRepository transactions, IntakeProperties properties, Clock clock) {
    this.transactions = transactions;
    this.clock = clock;
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "transaction-watcher");
              thread.setDaemon(true);
              return thread;
            });
    long interval = properties.pollInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
  }

  /**
   * Completes with the transaction once its state is no longer {@code seen}, or with it as it is
   * when {@code wait} has passed (exceptionally if the DB cannot be read then). Cancelling the
   * future (the client went away) drops the wait.
   */
  public CompletableFuture<PaymentTransaction> awaitChange(
      UUID id, TransactionState seen, Duration wait) {
    Waiter waiter = new Waiter(id, seen, clock.instant().plus(wait));
    waiters.add(waiter);
    return waiter.result;
  }

  /** How many polls are waiting now. */
  public int waiting() {
    return waiters.size();
  }

  private void tick() {
    try {
      waiters.removeIf(waiter -> waiter.result.isDone());
      if (!waiters.isEmpty()) {
        completeDue(List.copyOf(waiters));
      }
    } catch (RuntimeException | Error e) {
      // An exception would cancel the schedule and strand every future waiter.
      log.error("Long-poll tick failed", e);
    }
  }

  private void completeDue(List<Waiter> snapshot) {
    Map<UUID, TransactionState> states = null;
    try {
      states = currentStates(snapshot);
    } catch (RuntimeException e) {
      // The DB is unreachable: keep everyone waiting; the deadline answers (with the error).
      log.debug("Long-poll read failed: {}", e.getMessage());
    }
    Instant now = clock.instant();
    List<Waiter> due = new ArrayList<>();
    for (Waiter waiter : snapshot) {
      boolean changed =
          states != null && states.containsKey(waiter.id) && states.get(waiter.id) != waiter.seen;
      if (changed || !now.isBefore(waiter.deadline)) {
        due.add(waiter);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    Map<UUID, PaymentTransaction> rows = new HashMap<>();
    try {
      for (List<UUID> chunk : chunks(due)) {
        transactions.findByIdIn(chunk).forEach(row -> rows.put(row.getId(), row));
      }
    } catch (RuntimeException e) {
      for (Waiter waiter : due) {
        if (!now.isBefore(waiter.deadline)) {
          waiters.remove(waiter);
          waiter.result.completeExceptionally(e);
        }
      }
      return;
    }
    for (Waiter waiter : due) {
      waiters.remove(waiter);
      waiter.result.complete(rows.get(waiter.id));
    }
  }

  private Map<UUID, TransactionState> currentStates(List<Waiter> snapshot) {
    Map<UUID, TransactionState> states = new HashMap<>();
    for (List<UUID> chunk : chunks(snapshot)) {
      transactions.findStates(chunk).forEach(row -> states.put(row.id(), row.state()));
    }
    return states;
  }

  private static List<List<UUID>> chunks(List<Waiter> waiting) {
    Set<UUID> ids = new LinkedHashSet<>();
    waiting.forEach(waiter -> ids.add(waiter.id));
    List<UUID> all = new ArrayList<>(ids);
    List<List<UUID>> chunks = new ArrayList<>();
    for (int from = 0; from < all.size(); from += IDS_PER_QUERY) {
      chunks.add(all.subList(from, Math.min(all.size(), from + IDS_PER_QUERY)));
    }
    return chunks;
  }

  @PreDestroy
  void stop() {
    ticker.shutdownNow();
  }
}

package dev.onceflow.benchmark;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Payment submissions over real HTTP from a bounded pool of client threads: closed-loop (each
 * client sends its next request when the last one answered: saturation) or open-loop (requests
 * start on a fixed schedule whatever the answers; latency counts from the scheduled start, so a
 * stalled server is not hidden by clients that stopped sending).
 */
final class HttpLoad {

  /**
   * Where to send, and which status means accepted (202 for Onceflow, 201 for the naive server).
   */
  record Target(String url, String apiKey, int acceptedStatus, List<String> accountIds) {}

  /** One run: accepted ids with the nanoTime their answer arrived, latencies, refusals. */
  static final class Run {
    final String name;
    final Latencies latency = new Latencies();
    final Map<String, Long> accepted = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();
    final AtomicLong answered = new AtomicLong();

    /** nanoTime of the first request and of the last answer; unset in a combined run. */
    long startedAt;

    long endedAt;

    /** A combined run's duration, the sum of its runs': it has no single start and end. */
    private final long combinedNanos;

    Run(String name) {
      this(name, -1);
    }

    private Run(String name, long combinedNanos) {
      this.name = name;
      this.combinedNanos = combinedNanos;
    }

    long durationNanos() {
      return combinedNanos >= 0 ? combinedNanos : endedAt - startedAt;
    }

    double acceptedPerSecond() {
      return latency.count() / (durationNanos() / 1e9);
    }

    /** Several runs as one: their latencies, answers and refusals, over their durations' sum. */
    static Run combined(String name, List<Run> runs) {
      Run all = new Run(name, runs.stream().mapToLong(Run::durationNanos).sum());
      for (Run run : runs) {
        all.latency.addAll(run.latency);
        all.accepted.putAll(run.accepted);
        run.refused.forEach(
            (outcome, count) ->
                all.refused.computeIfAbsent(outcome, k -> new AtomicLong()).addAndGet(count.get()));
        all.answered.addAndGet(run.answered.get());
      }
      return all;
    }

    String refusals() {
      return refused.isEmpty() ? "none" : refused.toString();
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Target target;

  HttpLoad(Target target) {
    this.target = target;
  }

  Run closedLoop(String name, int clients, Duration duration) throws InterruptedException {
    return closedLoop(name, clients, duration, run -> false);
  }

  /**
   * Closed loop until {@code enough} holds (checked every 100 ms) or {@code limit} has passed,
   * whichever comes first.
   */
  Run closedLoop(String name, int clients, Duration limit, Predicate<Run> enough)
      throws InterruptedException {
    Run run = new Run(name);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    run.startedAt = System.nanoTime();
    long end = run.startedAt + limit.toNanos();
    AtomicBoolean stop = new AtomicBoolean();
    for (int i = 0; i < clients; i++) {
      pool.execute(
          () -> {
            while (System.nanoTime() < end && !stop.get()) {
              submit(run, System.nanoTime());
            }
          });
    }
    pool.shutdown();
    Thread checker =
        new Thread(
            () -> {
              while (!stop.get() && !pool.isTerminated()) {
                if (enough.test(run)) {
                  stop.set(true);
                } else {
                  LockSupport.parkNanos(100_000_000L);
                }
              }
            },
            "closed-loop-stop");
    checker.setDaemon(true);
    checker.start();
    report(run, end, pool);
    stop.set(true);
    checker.join();
    run.endedAt = System.nanoTime();
    return run;
  }

  Run openLoop(String name, double perSecond, int maxInFlight, Duration duration)
      throws InterruptedException {
    Run run = new Run(name);
    ExecutorService pool = Executors.newFixedThreadPool(maxInFlight);
    run.startedAt = System.nanoTime();
    long total = (long) (perSecond * duration.toSeconds());
    double interval = 1e9 / perSecond;
    Thread scheduler =
        new Thread(
            () -> {
              for (long i = 0; i < total; i++) {
                long due = run.startedAt + (long) (i * interval);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                  LockSupport.parkNanos(wait);
                }
                pool.execute(() -> submit(run, due));
              }
              pool.shutdown();
            },
            "open-loop-scheduler");
    scheduler.start();
    // The scheduler shuts the pool down after its last request: until then this reports progress.
    report(run, run.startedAt + duration.toNanos(), pool);
    scheduler.join();
    run.endedAt = System.nanoTime();
    return run;
  }

  /** Progress lines every 5 s until the pool has finished. */
  private static void report(Run run, long plannedEnd, ExecutorService pool)
      throws InterruptedException {
    while (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
      long elapsed = (System.nanoTime() - run.startedAt) / 1_000_000_000;
      Benchmark.progress(
          "  %s: %ds, %d answered, %d accepted%s",
          run.name,
          elapsed,
          run.answered.get(),
          run.latency.count(),
          System.nanoTime() > plannedEnd + 60_000_000_000L ? " (draining late answers)" : "");
      if (System.nanoTime() > plannedEnd + 120_000_000_000L) {
        pool.shutdownNow();
      }
    }
  }

  private void submit(Run run, long scheduledAt) {
    List<String> accounts = target.accountIds();
    String account = accounts.get(ThreadLocalRandom.current().nextInt(accounts.size()));
    long amount = 1 + ThreadLocalRandom.current().nextInt(100);
    String body =
        """
        {"accountId":"%s","amount":%d,"currency":"EUR",\
        "creditor":{"name":"ACME GmbH","iban":"DE89370400440532013000"},"reference":"benchmark"}"""
            .formatted(account, amount);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(target.url()))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + target.apiKey())
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "bench-" + UUID.randomUUID())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    String outcome;
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      long now = System.nanoTime();
      if (response.statusCode() == target.acceptedStatus()) {
        run.latency.add(now - scheduledAt);
        String location = response.headers().firstValue("Location").orElse("");
        run.accepted.put(
            location.isEmpty()
                ? UUID.randomUUID().toString()
                : location.substring(location.lastIndexOf('/') + 1),
            now);
        run.answered.incrementAndGet();
        return;
      }
      outcome = Integer.toString(response.statusCode());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = "interrupted";
    } catch (Exception e) {
      outcome = e.getClass().getSimpleName();
    }
    run.answered.incrementAndGet();
    run.refused.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
  }
}

package dev.onceflow.system;

import static org.awaitility.Awaitility.await;

import dev.onceflow.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault campaign: real processes, real kills, an independent checker. From one seed it plans the
 * payments (amounts, accounts, client behaviours) and the fault schedule (which process is killed
 * when and for how long, and which bank faults hold when); then it runs both against a {@link
 * CampaignCluster}, stops the faults, waits for the system to drain and lets {@link
 * CampaignChecker} count what went wrong. Thread timing is not seeded: a seed replays the same
 * plan, not the same interleaving.
 */
final class FaultCampaign {

  private static final Logger log = LoggerFactory.getLogger(FaultCampaign.class);

  /**
   * The size of a campaign.
   *
   * @param clients how many clients pay at once (each busy with one payment until it is answered)
   * @param killEvery the shortest pause between two kills; the longest is twice that. A restarted
   *     JVM costs tens of CPU seconds here, and kills denser than restarts can finish only measure
   *     a machine that never recovers.
   */
  record Size(
      String name, int payments, int clients, Duration faultWindow, Duration killEvery,
      int intakes, int relays, int workers) {

    static final Size SHORT =
        new Size("short", 1_000, 24, Duration.ofSeconds(60), Duration.ofSeconds(3), 2, 2, 3);
    static final Size FULL =
        new Size("full", 10_000, 32, Duration.ofMinutes(6), Duration.ofSeconds(8), 2, 2, 3);
  }

  /** A kill and its restart, or a change of the bank's faults, at an offset from the start. */
  record Fault(Duration at, String target, Duration down, String bankFaults) {

    @Override
    public String toString() {
      return bankFaults != null
          ? "%6.1f s  bank faults %s".formatted(at.toMillis() / 1000.0, bankFaults.replaceAll("\\s+", " "))
          : "%6.1f s  kill -9 %s, restarted %.1f s later".formatted(at.toMillis() / 1000.0, target,
              down.toMillis() / 1000.0);
    }
  }

  private static final long OPENING = 100_000_000;
  // Small enough that its payments run out of money during the campaign: 422s are part of it.
  private static final long THIN_OPENING = 60_000;
  private static final int ACCOUNTS = 6;
  private static final List<String> BANK_FAULTS =
      List.of(
          "{}",
          """
          {"errorRate": 0.10, "commitThenFailRate": 0.05, "timeoutRate": 0.03, "declineRate": 0.03,
           "throttleRate": 0.02, "latencyMs": {"min": 0, "max": 50}}""",
          """
          {"errorRate": 0.30, "commitThenFailRate": 0.10, "latencyMs": {"min": 10, "max": 100}}""",
          """
          {"timeoutRate": 0.10, "declineRate": 0.05, "lookupErrorRate": 0.20}""",
          // Answers trickled past every call's deadline, and payments the bank accepts ("pending")
          // and settles or rejects seconds later.
          """
          {"trickleRate": 0.05, "trickleByteMs": 300, "pendingRate": 0.15, "pendingSettleMs": 5000,
           "pendingRejectRate": 0.3, "errorRate": 0.05}""");

  private final long seed;
  private final Size size;
  private final List<Fault> plan;
  private final Map<String, AtomicInteger> kills = new TreeMap<>();
  private final List<String> failedActions = new CopyOnWriteArrayList<>();
  private final Map<String, Object> report = new LinkedHashMap<>();

  FaultCampaign(long seed, Size size, List<String> killable) {
    this.seed = seed;
    this.size = size;
    this.plan = plan(new Random(seed), size.faultWindow(), size.killEvery(), killable);
  }

  /**
   * The fault schedule a seed gives: a kill every {@code killEvery} to twice that, each process down
   * 0.5–8 s; every process is killed at least once (in a shuffled order), then at random.
   */
  static List<Fault> plan(Random random, Duration window, Duration killEvery, List<String> killable) {
    List<Fault> faults = new ArrayList<>();
    Map<String, Long> upAgainAt = new HashMap<>();
    List<String> notKilledYet = new ArrayList<>(killable);
    java.util.Collections.shuffle(notKilledYet, random);
    long end = window.toMillis();
    int pause = (int) killEvery.toMillis();
    for (long at = 2_000 + random.nextInt(pause); at < end; at += pause + random.nextInt(pause + 1)) {
      String target =
          notKilledYet.isEmpty() ? killable.get(random.nextInt(killable.size())) : notKilledYet.remove(0);
      if (upAgainAt.getOrDefault(target, 0L) > at) {
        continue;
      }
      long down = Math.min(500 + random.nextInt(7_500), end - at);
      upAgainAt.put(target, at + down);
      faults.add(new Fault(Duration.ofMillis(at), target, Duration.ofMillis(down), null));
    }
    for (long at = 0; at < end; at += 8_000 + random.nextInt(8_000)) {
      faults.add(new Fault(Duration.ofMillis(at), null, null, BANK_FAULTS.get(random.nextInt(BANK_FAULTS.size()))));
    }
    faults.sort((a, b) -> a.at().compareTo(b.at()));
    return faults;
  }

  List<Fault> plan() {
    return plan;
  }

  /** Runs the campaign; returns the checker's counts (all 0 when nothing went wrong). */
  Map<String, Integer> run(CampaignCluster cluster) throws Exception {
    long started = System.nanoTime();
    OnceflowApi admin = new OnceflowApi(cluster.intakeUrls().get(0), cluster.bankUrl(), LocalStack.DEMO_API_KEY);
    Map<UUID, Long> openingBalances = new LinkedHashMap<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      long opening = i == 0 ? THIN_OPENING : OPENING;
      openingBalances.put(admin.openAccount("EUR", opening), opening);
    }
    List<UUID> accounts = List.copyOf(openingBalances.keySet());
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(16);
    HttpClient http = HttpClient.newHttpClient();
    try {
      CampaignClients clients =
          new CampaignClients(
              cluster.intakeUrls(), LocalStack.DEMO_API_KEY, scheduler, seed, size.payments(), size.clients());
      long spacing = size.faultWindow().toMillis() / size.payments();
      for (int i = 0; i < size.payments(); i++) {
        clients.schedule("campaign-" + seed + "-" + i, accounts, Duration.ofMillis(i * spacing));
      }
      for (Fault fault : plan) {
        scheduler.schedule(() -> apply(cluster, http, scheduler, fault), fault.at().toMillis(), TimeUnit.MILLISECONDS);
      }
      // Fault window over: every process up again, the bank healthy.
      scheduler.schedule(() -> heal(cluster, http), size.faultWindow().toMillis(), TimeUnit.MILLISECONDS).get();
      long faultsOver = System.nanoTime();
      if (!clients.awaitAnswered(Duration.ofMinutes(15))) {
        failedActions.add(clients.unanswered() + " payments still without an answer after 15 minutes");
        // Check a still picture: clients that keep retrying would change rows under the checker.
        scheduler.shutdownNow();
      }
      CampaignChecker checker = new CampaignChecker(cluster, LocalStack.DEMO_API_KEY);
      try {
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1))
            .until(() -> checker.notFinal(accounts) == 0);
      } catch (ConditionTimeoutException e) {
        // reported below as "not final at the end"
      }
      long notFinal = checker.notFinal(accounts);
      long drained = System.nanoTime();
      Map<String, Integer> counts = checker.check(clients.payments(), openingBalances);

      long accepted = clients.payments().stream().filter(p -> p.answer == 202).count();
      long refused = clients.payments().stream().filter(p -> p.answer == 422).count();
      report.put("seed", seed);
      report.put("size", size.name() + " (" + size.intakes() + " intake-api, " + size.relays() + " outbox-relay, "
          + size.workers() + " bank-worker, bank simulator, PostgreSQL, Kafka: each its own process)");
      report.put("payments (Idempotency-Keys)", size.payments());
      report.put("clients paying at once", size.clients());
      report.put("HTTP requests", clients.requests());
      report.put("retries (same key)", clients.retries());
      report.put("answers by status", new TreeMap<>(clients.answersByStatus()));
      report.put("accepted (202)", accepted);
      report.put("refused, insufficient funds (422)", refused);
      report.put("double submits", clients.payments().stream().filter(p -> p.doubleSubmit).count());
      report.put("concurrent triples", clients.payments().stream().filter(p -> p.concurrentDuplicates).count());
      report.put("changed payloads under a reused key", clients.payments().stream().filter(p -> p.changedPayload).count());
      cluster.names().forEach(name -> kills.computeIfAbsent(name, n -> new AtomicInteger()));
      report.put("kills (kill -9, then a restart)", kills);
      report.put("bank fault changes", plan.stream().filter(f -> f.bankFaults() != null).count());
      report.put("fault window", size.faultWindow().toSeconds() + " s");
      report.put("time to drain after the faults stopped", "%.1f s".formatted((drained - faultsOver) / 1e9));
      report.put("not final at the end", notFinal);
      report.put("whole campaign", "%.0f s".formatted((drained - started) / 1e9));
      report.putAll(counts);
      report.put("campaign actions that failed", failedActions.size());
      report.put("examples", checker.examples());
      Map<String, Integer> result = new TreeMap<>(counts);
      result.put("not final at the end", (int) notFinal);
      result.put("campaign actions that failed", failedActions.size());
      return result;
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** The printed report: seed, traffic, kills, faults, drain time and every count. */
  String report() {
    StringBuilder text = new StringBuilder("Fault campaign report\n");
    report.forEach((name, value) -> {
      if (value instanceof List<?> list) {
        text.append("  ").append(name).append(":\n");
        list.forEach(line -> text.append("    ").append(line).append('\n'));
      } else {
        text.append("  %-45s %s%n".formatted(name, value));
      }
    });
    text.append("  schedule:\n");
    plan.forEach(fault -> text.append("    ").append(fault).append('\n'));
    failedActions.forEach(action -> text.append("  failed action: ").append(action).append('\n'));
    return text.toString();
  }

  void writeReport(Path file) throws java.io.IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, report());
  }

  private void apply(CampaignCluster cluster, HttpClient http, ScheduledExecutorService scheduler, Fault fault) {
    try {
      if (fault.bankFaults() != null) {
        setBankFaults(cluster, http, fault.bankFaults());
        return;
      }
      log.info("Campaign: kill -9 {} for {} ms", fault.target(), fault.down().toMillis());
      cluster.kill(fault.target());
      kills.computeIfAbsent(fault.target(), name -> new AtomicInteger()).incrementAndGet();
      scheduler.schedule(() -> restart(cluster, fault.target()), fault.down().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      failedActions.add(fault + ": " + e);
    }
  }

  private void restart(CampaignCluster cluster, String target) {
    try {
      log.info("Campaign: restarting {}", target);
      cluster.restart(target);
    } catch (Exception e) {
      failedActions.add("restart " + target + ": " + e);
    }
  }

  private void heal(CampaignCluster cluster, HttpClient http) {
    try {
      log.info("Campaign: fault window over; restarting whatever is down");
      cluster.restartAndAwaitAll();
      setBankFaults(cluster, http, "{}");
    } catch (Exception e) {
      failedActions.add("heal: " + e);
    }
  }

  /** The bank keeps its faults in memory: a restarted bank starts healthy, which is fine. */
  private void setBankFaults(CampaignCluster cluster, HttpClient http, String faults) {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create(cluster.bankUrl() + "/faults"))
              .timeout(Duration.ofSeconds(5))
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString(faults))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (java.io.IOException e) {
      // the bank is down (killed): its next start is healthy
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
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
 * when and for how long, which network link misbehaves how, and which bank faults hold when); then
 * it runs both against a {@link CampaignCluster}, verifying that each action took effect, stops the
 * faults, waits for the system to drain and lets {@link CampaignChecker} count what went wrong.
 * Thread timing is not seeded: a seed replays the same plan, not the same interleaving.
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
      String name,
      int payments,
      int clients,
      Duration faultWindow,
      Duration killEvery,
      int intakes,
      int relays,
      int workers) {

    static final Size SHORT =
        new Size("short", 1_000, 24, Duration.ofSeconds(60), Duration.ofSeconds(3), 2, 2, 3);
    static final Size FULL =
        new Size("full", 10_000, 32, Duration.ofMinutes(6), Duration.ofSeconds(8), 2, 2, 3);
  }

  /** Something the campaign does to the system, at an offset from the start. */
  sealed interface Fault {
    Duration at();
  }

  /** {@code kill -9} of a process, restarted {@code down} later. */
  record Kill(Duration at, String target, Duration down) implements Fault {
    @Override
    public String toString() {
      return "%6.1f s  kill -9 %s, restarted %.1f s later"
          .formatted(seconds(at), target, seconds(down));
    }
  }

  /** The bank's faults from now on ({@code PUT /faults}). */
  record BankFaults(Duration at, String faults) implements Fault {
    @Override
    public String toString() {
      return "%6.1f s  bank faults %s".formatted(seconds(at), faults.replaceAll("\\s+", " "));
    }
  }

  /** How a link between the services and PostgreSQL, Kafka or the bank misbehaves. */
  enum NetworkFaultKind {
    /** every chunk, either way, arrives late */
    LATENCY,
    /** nothing moves, nothing is closed */
    STALL,
    /** every open connection is closed at once */
    CUT
  }

  /** A network fault on one link, for {@code lasts} (a cut is instantaneous). */
  record NetworkFault(
      Duration at, String link, NetworkFaultKind kind, Duration lasts, Duration latency)
      implements Fault {
    @Override
    public String toString() {
      return switch (kind) {
        case LATENCY ->
            "%6.1f s  %s link: %d ms latency for %.1f s"
                .formatted(seconds(at), link, latency.toMillis(), seconds(lasts));
        case STALL ->
            "%6.1f s  %s link: stalled for %.1f s".formatted(seconds(at), link, seconds(lasts));
        case CUT -> "%6.1f s  %s link: every connection cut".formatted(seconds(at), link);
      };
    }
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }

  static final Duration ACTIVE_RELAY_FIRST_KILL = Duration.ofMillis(1_500);
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
           "pendingRejectRate": 0.3, "errorRate": 0.05}""",
          // A slow bank: answers held past every call's deadline (10 s), the rest slow.
          """
          {"timeoutRate": 0.15, "timeoutHoldMs": 12000, "latencyMs": {"min": 200, "max": 2000}}""");

  private final long seed;
  private final Size size;
  private final List<Fault> plan;
  private final Map<String, AtomicInteger> kills = new ConcurrentSkipListMap<>();
  private final Map<String, AtomicInteger> networkFaults = new ConcurrentSkipListMap<>();
  private final Map<String, AtomicInteger> verified = new ConcurrentSkipListMap<>();
  // Processes killed and not ready again yet: the bank's faults cannot be set while it is down.
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  private final AtomicInteger postmasterKills = new AtomicInteger();
  private volatile long windowEndsAt;
  private final List<String> failedActions = new CopyOnWriteArrayList<>();
  private final Map<String, Object> report = new LinkedHashMap<>();

  FaultCampaign(long seed, Size size, List<String> killable, List<String> links) {
    this.seed = seed;
    this.size = size;
    this.plan = plan(new Random(seed), size.faultWindow(), size.killEvery(), killable, links);
  }

  /**
   * The fault schedule a seed gives: a kill every {@code every} to twice that, each process down
   * 0.5–8 s; every process is killed at least once (in a shuffled order), then at random. Besides,
   * whichever relay streams is killed at 1.5 s and at 70 % of the window (the duplicate window). As
   * often, a network fault on one link (never two at once on a link): every kind on every link at
   * least once, then at random. The bank's faults change every 8 to 16 s.
   */
  static List<Fault> plan(
      Random random, Duration window, Duration every, List<String> killable, List<String> links) {
    List<Fault> faults = new ArrayList<>();
    long end = window.toMillis();
    int pause = (int) every.toMillis();
    Map<String, Long> upAgainAt = new HashMap<>();
    List<String> notKilledYet = new ArrayList<>(killable);
    Collections.shuffle(notKilledYet, random);
    for (long at = 2_000 + random.nextInt(pause);
        at < end;
        at += pause + random.nextInt(pause + 1)) {
      String target =
          notKilledYet.isEmpty()
              ? killable.get(random.nextInt(killable.size()))
              : notKilledYet.remove(0);
      if (upAgainAt.getOrDefault(target, 0L) > at) {
        continue;
      }
      long down = Math.min(500 + random.nextInt(7_500), end - at);
      upAgainAt.put(target, at + down);
      faults.add(new Kill(Duration.ofMillis(at), target, Duration.ofMillis(down)));
    }
    if (!notKilledYet.isEmpty()) {
      throw new IllegalArgumentException(
          "a " + window + " window leaves " + notKilledYet + " never killed");
    }
    // First of all faults, when the first relay surely streams and payments flow; once more later,
    // if a relay streams again by then.
    for (long at : new long[] {ACTIVE_RELAY_FIRST_KILL.toMillis(), end * 7 / 10}) {
      faults.add(
          new Kill(
              Duration.ofMillis(at),
              CampaignCluster.ACTIVE_RELAY,
              Duration.ofMillis(500 + random.nextInt(7_500))));
    }
    Map<String, Long> linkFreeAt = new HashMap<>();
    List<Map.Entry<String, NetworkFaultKind>> notAppliedYet = new ArrayList<>();
    links.forEach(
        link ->
            Arrays.stream(NetworkFaultKind.values())
                .forEach(kind -> notAppliedYet.add(Map.entry(link, kind))));
    Collections.shuffle(notAppliedYet, random);
    for (long at = 1_000 + random.nextInt(pause);
        at < end;
        at += pause / 2 + random.nextInt(pause + 1)) {
      long now = at;
      Map.Entry<String, NetworkFaultKind> next =
          notAppliedYet.isEmpty()
              ? Map.entry(
                  links.get(random.nextInt(links.size())),
                  NetworkFaultKind.values()[random.nextInt(NetworkFaultKind.values().length)])
              : notAppliedYet.stream()
                  .filter(fault -> linkFreeAt.getOrDefault(fault.getKey(), 0L) <= now)
                  .findFirst()
                  .orElse(null);
      if (next == null || linkFreeAt.getOrDefault(next.getKey(), 0L) > at) {
        continue;
      }
      notAppliedYet.remove(next);
      long lasts =
          next.getValue() == NetworkFaultKind.CUT
              ? 0
              : Math.min(1_000 + random.nextInt(4_000), end - at);
      linkFreeAt.put(next.getKey(), at + lasts);
      faults.add(
          new NetworkFault(
              Duration.ofMillis(at),
              next.getKey(),
              next.getValue(),
              Duration.ofMillis(lasts),
              Duration.ofMillis(20 + random.nextInt(230))));
    }
    for (long at = 0; at < end; at += 8_000 + random.nextInt(8_000)) {
      faults.add(
          new BankFaults(
              Duration.ofMillis(at), BANK_FAULTS.get(random.nextInt(BANK_FAULTS.size()))));
    }
    faults.sort(Comparator.comparing(Fault::at));
    return faults;
  }

  List<Fault> plan() {
    return plan;
  }

  /** Runs the campaign; returns the checker's counts (all 0 when nothing went wrong). */
  Map<String, Integer> run(CampaignCluster cluster) throws Exception {
    long started = System.nanoTime();
    OnceflowApi admin =
        new OnceflowApi(cluster.intakeUrls().get(0), cluster.bankUrl(), LocalStack.DEMO_API_KEY);
    Map<UUID, Long> openingBalances = new LinkedHashMap<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      long opening = i == 0 ? THIN_OPENING : OPENING;
      openingBalances.put(admin.openAccount(CampaignClients.CURRENCY, opening), opening);
    }
    List<UUID> accounts = List.copyOf(openingBalances.keySet());
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(16);
    // Restarts wait up to minutes for readiness: on threads of their own, not the clients'.
    ExecutorService restarts = Executors.newCachedThreadPool();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try {
      CampaignClients clients =
          new CampaignClients(
              cluster.intakeUrls(),
              LocalStack.DEMO_API_KEY,
              scheduler,
              seed,
              size.payments(),
              size.clients());
      long spacing = size.faultWindow().toMillis() / size.payments();
      for (int i = 0; i < size.payments(); i++) {
        clients.schedule("campaign-" + seed + "-" + i, accounts, Duration.ofMillis(i * spacing));
      }
      windowEndsAt = System.nanoTime() + size.faultWindow().toNanos();
      for (Fault fault : plan) {
        scheduler.schedule(
            () -> apply(cluster, http, scheduler, restarts, fault),
            fault.at().toMillis(),
            TimeUnit.MILLISECONDS);
      }
      // Fault window over: every process up again, every link and the bank healthy.
      scheduler
          .schedule(() -> heal(cluster, http), size.faultWindow().toMillis(), TimeUnit.MILLISECONDS)
          .get();
      long faultsOver = System.nanoTime();
      if (!clients.awaitAnswered(Duration.ofMinutes(15))) {
        failedActions.add(
            clients.unanswered() + " payments still without an answer after 15 minutes");
        // Check a still picture: clients that keep retrying would change rows under the checker.
        scheduler.shutdownNow();
      }
      CampaignChecker checker = new CampaignChecker(cluster, LocalStack.DEMO_API_KEY);
      try {
        await()
            .atMost(Duration.ofMinutes(10))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> checker.notFinal(accounts) == 0);
      } catch (ConditionTimeoutException e) {
        // reported below as "not final at the end"
      }
      long notFinal = checker.notFinal(accounts);
      long drained = System.nanoTime();
      Map<String, Integer> counts = checker.check(clients.payments(), openingBalances);

      cluster.names().forEach(name -> kills.computeIfAbsent(name, n -> new AtomicInteger()));
      List<String> neverKilled =
          kills.entrySet().stream()
              .filter(kill -> kill.getValue().get() == 0)
              .map(Map.Entry::getKey)
              .toList();
      int recoveries = Postmaster.crashRecoveries(cluster.postgresData());
      Map<String, Integer> campaign = new TreeMap<>();
      campaign.put("not final at the end", (int) notFinal);
      campaign.put("campaign actions that failed", failedActions.size());
      campaign.put("processes never killed", neverKilled.size());
      campaign.put(
          "postmaster kills without a crash recovery",
          Math.max(0, postmasterKills.get() - recoveries));

      long accepted = clients.payments().stream().filter(p -> p.answer == 202).count();
      long refused = clients.payments().stream().filter(p -> p.answer == 422).count();
      report.put("seed", seed);
      report.put(
          "size",
          size.name()
              + " ("
              + size.intakes()
              + " intake-api, "
              + size.relays()
              + " outbox-relay, "
              + size.workers()
              + " bank-worker, bank simulator, PostgreSQL, Kafka: each its own process)");
      report.put("payments (Idempotency-Keys)", size.payments());
      report.put("clients paying at once", size.clients());
      report.put("HTTP requests", clients.requests());
      report.put("retries (same key)", clients.retries());
      report.put("answers by status", new TreeMap<>(clients.answersByStatus()));
      report.put("accepted (202)", accepted);
      report.put("refused, insufficient funds (422)", refused);
      report.put("double submits", clients.payments().stream().filter(p -> p.doubleSubmit).count());
      report.put(
          "concurrent triples",
          clients.payments().stream().filter(p -> p.concurrentDuplicates).count());
      report.put(
          "changed payloads under a reused key",
          clients.payments().stream().filter(p -> p.changedPayload).count());
      report.put("kills (kill -9, then a restart)", kills);
      report.put(
          "PostgreSQL crash recoveries (WAL replayed)",
          recoveries + " (postmaster killed " + postmasterKills + " times)");
      report.put("network faults applied", networkFaults);
      report.put("bank fault changes", plan.stream().filter(f -> f instanceof BankFaults).count());
      report.put("campaign actions verified", verified);
      report.put("fault window", size.faultWindow().toSeconds() + " s");
      report.put(
          "time to drain after the faults stopped",
          "%.1f s".formatted((drained - faultsOver) / 1e9));
      report.put("whole campaign", "%.0f s".formatted((drained - started) / 1e9));
      report.putAll(checker.figures());
      report.putAll(counts);
      report.putAll(campaign);
      report.put("examples", checker.examples());
      Map<String, Integer> result = new TreeMap<>(counts);
      result.putAll(campaign);
      return result;
    } finally {
      scheduler.shutdownNow();
      restarts.shutdownNow();
    }
  }

  /** The printed report: seed, traffic, kills, faults, drain time and every count. */
  String report() {
    StringBuilder text = new StringBuilder("Fault campaign report\n");
    report.forEach(
        (name, value) -> {
          if (value instanceof List<?> list) {
            text.append("  ").append(name).append(":\n");
            list.forEach(line -> text.append("    ").append(line).append('\n'));
          } else {
            text.append("  %-58s %s%n".formatted(name, value));
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

  private void apply(
      CampaignCluster cluster,
      HttpClient http,
      ScheduledExecutorService scheduler,
      ExecutorService restarts,
      Fault fault) {
    try {
      if (fault instanceof BankFaults change) {
        changeBankFaults(cluster, http, change);
      } else if (fault instanceof NetworkFault network) {
        disturb(cluster.links().get(network.link()), scheduler, network);
      } else if (fault instanceof Kill kill && kill.target().equals(CampaignCluster.ACTIVE_RELAY)) {
        // Relays may all be restarting now: wait for one to stream, while the window lasts.
        restarts.execute(
            () -> {
              Optional<String> active = Optional.empty();
              // Not later than 10 s before the window ends: its restart is then under way when the
              // heal starts, and the heal waits for it.
              Duration windowLeft =
                  Duration.ofNanos(windowEndsAt - System.nanoTime()).minusSeconds(10);
              try {
                if (!windowLeft.isNegative()) {
                  active =
                      await()
                          .atMost(windowLeft)
                          .pollInterval(Duration.ofMillis(200))
                          .until(cluster::activeRelay, Optional::isPresent);
                }
              } catch (ConditionTimeoutException e) {
                // none streamed before the window ended
              }
              if (active.isEmpty()) {
                count(verified, "kills of the active relay skipped (none streamed in time)");
              } else {
                count(verified, "kills of the active relay");
                apply(
                    cluster,
                    http,
                    scheduler,
                    restarts,
                    new Kill(kill.at(), active.get(), kill.down()));
              }
            });
      } else if (fault instanceof Kill kill) {
        String target = kill.target();
        log.info("Campaign: kill -9 {} for {} ms", target, kill.down().toMillis());
        down.add(target);
        if (cluster.kill(target)) {
          postmasterKills.incrementAndGet();
        }
        kills.computeIfAbsent(target, name -> new AtomicInteger()).incrementAndGet();
        count(verified, "kills (the process was gone after it)");
        scheduler.schedule(
            () -> restarts.execute(() -> restart(cluster, target)),
            kill.down().toMillis(),
            TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      failedActions.add(fault + ": " + e);
    }
  }

  private void disturb(TcpProxy link, ScheduledExecutorService scheduler, NetworkFault fault) {
    log.info("Campaign: {}", fault);
    switch (fault.kind()) {
      case LATENCY -> {
        link.latency(fault.latency());
        scheduler.schedule(
            () -> link.latency(Duration.ZERO), fault.lasts().toMillis(), TimeUnit.MILLISECONDS);
      }
      case STALL -> link.stall(fault.lasts());
      case CUT -> link.cut();
    }
    count(networkFaults, fault.link() + " " + fault.kind().name().toLowerCase(Locale.ROOT));
  }

  /** A restart counts once the process is ready again; one that never gets there fails the run. */
  private void restart(CampaignCluster cluster, String target) {
    try {
      log.info("Campaign: restarting {}", target);
      int generation = cluster.generation(target);
      if (cluster.restartUntilReady(target) == CampaignCluster.Restart.READY) {
        count(verified, "restarts (ready again)");
        if (cluster.generation(target) == generation) {
          down.remove(target);
        }
      } else {
        count(verified, "restarts overtaken by the next kill");
      }
    } catch (Exception | AssertionError e) {
      failedActions.add("restart " + target + ": " + e);
    }
  }

  private void heal(CampaignCluster cluster, HttpClient http) {
    try {
      log.info("Campaign: fault window over; restarting whatever is down");
      cluster.links().values().forEach(TcpProxy::heal);
      cluster.restartAndAwaitAll();
      down.clear();
      int status = putBankFaults(cluster, http, "{}");
      if (status / 100 != 2) {
        failedActions.add("heal: the bank answered " + status + " to healthy faults");
      }
    } catch (Exception | AssertionError e) {
      failedActions.add("heal: " + e);
    }
  }

  /**
   * The bank keeps its faults in memory, so a bank that is down (killed, not ready again) starts
   * healthy: the change is skipped, and counted as such. A bank that is up must take it.
   */
  private void changeBankFaults(CampaignCluster cluster, HttpClient http, BankFaults change)
      throws InterruptedException {
    int generation = cluster.generation(CampaignCluster.BANK);
    if (down.contains(CampaignCluster.BANK)) {
      count(verified, "bank fault changes skipped (the bank was down)");
      return;
    }
    int status = 0;
    // A machine busy restarting JVMs may answer slowly: three tries, as long as the bank is not
    // killed.
    for (int attempt = 1;
        attempt <= 3 && status / 100 != 2 && cluster.generation(CampaignCluster.BANK) == generation;
        attempt++) {
      try {
        status = putBankFaults(cluster, http, change.faults());
      } catch (java.io.IOException e) {
        status = 0;
      }
    }
    if (status / 100 == 2) {
      count(verified, "bank fault changes (2xx)");
    } else if (cluster.generation(CampaignCluster.BANK) != generation) {
      count(verified, "bank fault changes skipped (the bank was down)");
    } else {
      failedActions.add(change + ": the bank answered " + (status == 0 ? "nothing" : status));
    }
  }

  private static int putBankFaults(CampaignCluster cluster, HttpClient http, String faults)
      throws java.io.IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(cluster.bankUrl() + "/faults"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(faults))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static void count(Map<String, AtomicInteger> counts, String what) {
    counts.computeIfAbsent(what, name -> new AtomicInteger()).incrementAndGet();
  }
}

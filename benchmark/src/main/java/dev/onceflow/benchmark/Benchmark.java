package dev.onceflow.benchmark;

import dev.onceflow.model.ReadyLine;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The benchmark command. Starts the local stack jar as its own process (as a user would), drives
 * intake over HTTP, follows every payment through Kafka to its completion event, measures the SQL
 * ceiling of the same PostgreSQL with pgbench, the naive flow at 50 ms bank latency, and how fast
 * 1, 2 and 4 workers drain a backlog at 50 ms, 500 ms and 2 s against their bounds, then prints one
 * table. Figures only compare within one run: the machine is shared and noisy.
 */
public final class Benchmark {

  private static final String DEMO_KEY = "local-demo-key";

  /** Strong enough for intake (32 random bytes' worth), generated per run. */
  private static final String ADMIN_KEY = randomAdminKey();

  private static final String DB_USER = "postgres";
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
  private static final long STARTED = System.nanoTime();

  /**
   * What the JIT compiler threads' names ("C2 CompilerThread0") show in /proc, cut to 15
   * characters.
   */
  private static final String JIT_COMPILERS = "CompilerThre";

  /** The bank latencies (ms) and worker counts of the draining matrix. */
  private static final int[] BANK_LATENCIES_MS = {50, 500, 2000};

  private static final int[] WORKER_COUNTS = {1, 2, 4};

  /**
   * onceflow.worker.max-in-flight's default: what a worker whose gauge cannot be read is taken to
   * allow.
   */
  private static final int DEFAULT_MAX_IN_FLIGHT = 256;

  /**
   * Calls the bank simulator serves at once: it waits out its latency in a Tomcat request thread
   * (bank-simulator.properties' server.tomcat.threads.max).
   */
  private static final int SIMULATOR_THREADS = 1200;

  /** How often the workers' in-flight gauges are read while they drain a backlog. */
  private static final int IN_FLIGHT_SAMPLE_MILLIS = 250;

  /** How long each phase runs; --quick only tries the command out, its figures mean little. */
  record Plan(
      int warmupSeconds,
      double warmupRate,
      double steadyRate,
      int steadySeconds,
      int saturationSeconds,
      int ceilingSeconds,
      double naiveRate,
      int naiveSeconds,
      int drainTargetSeconds,
      int minBacklog,
      int backlogPerSlot,
      int maxBacklog,
      int fillLimitSeconds,
      int cellDrainLimitSeconds,
      int drainSeconds,
      int idleSeconds,
      int settleSeconds,
      int fairnessSeconds) {
    // drainTargetSeconds: a draining cell's backlog is this many seconds of its lowest known bound,
    // at most maxBacklog, at least minBacklog and backlogPerSlot times what the workers hold at
    // once
    // (--quick's backlogs are smaller than that); filling and draining each stop at their limit.
    static final Plan FULL =
        new Plan(30, 100, 50, 30, 20, 20, 50, 20, 15, 300, 2, 5000, 45, 60, 300, 10, 120, 20);
    static final Plan QUICK =
        new Plan(5, 50, 50, 8, 8, 5, 40, 6, 3, 100, 0, 400, 15, 20, 60, 5, 20, 6);
  }

  private final Plan plan;
  private final boolean profile;
  private final int clients;
  private final Path stackJar;

  /** An earlier build's stack jar to compare this one with, or null. */
  private final Path compareWith;

  private final Path work;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, String> table = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();

  private final int postgresPort = Processes.freePort();
  private final int kafkaPort = Processes.freePort();
  private final int intakePort = Processes.freePort();
  private final int bankPort = Processes.freePort();
  private final int workerPort = Processes.freePort();
  private final int relayPort = Processes.freePort();
  private final int intakeManagementPort = Processes.freePort();
  private Process stack;
  private double readySeconds;
  private long readyRssKb;

  private Benchmark(
      Plan plan, boolean profile, int clients, Path stackJar, Path compareWith, Path work) {
    this.plan = plan;
    this.profile = profile;
    this.clients = clients;
    this.stackJar = stackJar;
    this.compareWith = compareWith;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    Plan plan = Plan.FULL;
    boolean profile = false;
    int clients = 16;
    Path jar = Path.of("local-stack/target/onceflow-local.jar");
    Path compareWith = null;
    for (String arg : args) {
      if (arg.equals("--quick")) {
        plan = Plan.QUICK;
      } else if (arg.equals("--jfr")) {
        profile = true;
      } else if (arg.startsWith("--clients=")) {
        clients = Integer.parseInt(arg.substring("--clients=".length()));
      } else if (arg.startsWith("--stack-jar=")) {
        jar = Path.of(arg.substring("--stack-jar=".length()));
      } else if (arg.startsWith("--compare-with=")) {
        compareWith = Path.of(arg.substring("--compare-with=".length())).toAbsolutePath();
      } else {
        System.err.println(
            "Usage: java -jar benchmark/target/onceflow-benchmark.jar [--quick] [--jfr] [--clients=16]"
                + " [--stack-jar=local-stack/target/onceflow-local.jar] [--compare-with=<an earlier onceflow-local.jar>]");
        System.exit(2);
      }
    }
    for (Path required : compareWith == null ? List.of(jar) : List.of(jar, compareWith)) {
      if (!Files.isRegularFile(required)) {
        System.err.println(
            "onceflow-benchmark: no "
                + required.toAbsolutePath()
                + " (run mvn -B -ntp -DskipTests package first)");
        System.exit(2);
      }
    }
    Benchmark benchmark =
        new Benchmark(
            plan,
            profile,
            clients,
            jar.toAbsolutePath(),
            compareWith,
            Files.createTempDirectory("onceflow-benchmark"));
    try {
      benchmark.run(plan == Plan.QUICK);
    } finally {
      benchmark.stopEverything();
    }
  }

  private void run(boolean quick) throws Exception {
    progress(
        "Onceflow benchmark (%s), %d clients; logs and scripts in %s",
        quick ? "quick" : "full", clients, work);
    section("Machine");
    row("load average at start", Files.readString(Path.of("/proc/loadavg")).trim());
    if (compareWith != null) {
      compare(compareWith);
    }

    startStack();
    List<String> accounts = openAccounts(SqlCeiling.ACCOUNTS);
    String intakeUrl = "http://localhost:" + intakePort + "/transactions";
    HttpLoad intake = new HttpLoad(new HttpLoad.Target(intakeUrl, DEMO_KEY, 202, accounts));

    try (EventTracker events = new EventTracker("localhost:" + kafkaPort)) {
      progress("Warm-up: %d s open-loop at %.0f/s", plan.warmupSeconds(), plan.warmupRate());
      HttpLoad.Run warmup =
          intake.openLoop(
              "warm-up", plan.warmupRate(), 64, Duration.ofSeconds(plan.warmupSeconds()));
      events.awaitFinal(warmup, drainLimit(), notes);
      settle();
      Idle idle = idle();

      progress("Steady load: %d s open-loop at %.0f/s", plan.steadySeconds(), plan.steadyRate());
      Map<Double, Long> relayBefore = relayBuckets();
      HttpLoad.Run steady =
          intake.openLoop(
              "steady", plan.steadyRate(), 64, Duration.ofSeconds(plan.steadySeconds()));
      Latencies steadyE2e = events.awaitFinal(steady, drainLimit(), notes);
      Latencies visible = events.untilRequested(steady);
      RelayLag relay = RelayLag.between(relayBefore, relayBuckets());
      progress(
          "  steady: intake %s; e2e %s; relay commit->ack p99 <= %.0f ms",
          latency(steady.latency, true), latency(steadyE2e, false), relay.p99());

      progress(
          "SQL ceiling: %s, %d clients, %d s per script",
          SqlCeiling.tool(), clients, plan.ceilingSeconds());
      SqlCeiling ceiling = new SqlCeiling(postgresPort, DB_USER);
      ceiling.prepare(productJdbcUrl());
      double intakeCeiling = ceiling(ceiling, "ceiling-intake", SqlCeiling.intakeScript());
      progress("  intake statements: %.0f tps", intakeCeiling);
      CpuUse beforeLifecycle = cpuNow();
      double lifecycleCeiling = ceiling(ceiling, "ceiling-lifecycle", SqlCeiling.lifecycleScript());
      CpuUse lifecycleCpu = cpuNow().since(beforeLifecycle);
      double lifecyclePayments = Math.max(1, lifecycleCeiling * plan.ceilingSeconds());
      progress("  full lifecycle: %.0f payments/s", lifecycleCeiling);

      Saturation saturated = saturate(intake, events);
      HttpLoad.Run saturation = saturated.run();
      Latencies saturationE2e = saturated.e2e();
      long completed = saturated.completed();
      double e2ePerSecond = saturated.e2ePerSecond();

      progress(
          "Naive vs async at 50 ms bank latency: %d s open-loop at %.0f/s each",
          plan.naiveSeconds(), plan.naiveRate());
      bankLatency(50);
      HttpLoad.Run async =
          intake.openLoop(
              "async@50ms", plan.naiveRate(), 64, Duration.ofSeconds(plan.naiveSeconds()));
      HttpLoad.Run naive;
      try (Connection connection = DriverManager.getConnection(ceiling.jdbcUrl(), DB_USER, "");
          NaiveServer server = new NaiveServer(ceiling.jdbcUrl(), DB_USER, bankUrl(), 64, 20)) {
        HttpLoad naiveLoad =
            new HttpLoad(
                new HttpLoad.Target(
                    server.url(), DEMO_KEY, 201, SqlCeiling.accountIds(connection)));
        naive =
            naiveLoad.openLoop(
                "naive@50ms", plan.naiveRate(), 64, Duration.ofSeconds(plan.naiveSeconds()));
      }
      progress(
          "  intake p99: async %.1f ms, naive %.1f ms",
          async.latency.millis(0.99), naive.latency.millis(0.99));
      events.awaitFinal(async, drainLimit(), notes);

      Map<Fairness.Setting, Fairness.Result> fairness = new LinkedHashMap<>();
      for (Fairness.Setting setting : Fairness.Setting.MEASURED) {
        progress("Fairness: a second intake (%s), one steady client and one flooding it", setting);
        Fairness.Result result =
            new Fairness(ADMIN_KEY)
                .measure(
                    java(),
                    stackJar,
                    productJdbcUrl(),
                    work.resolve("fairness-intake-" + fairness.size() + ".log"),
                    Duration.ofSeconds(plan.fairnessSeconds()),
                    setting);
        progress(
            "  steady client p99: alone %.1f ms, flooded %.1f ms",
            result.alone().latency.millis(0.99), result.flooded().latency.millis(0.99));
        fairness.put(setting, result);
      }

      section("Idle, after the warm-up (%d s without load)".formatted(plan.idleSeconds()));
      row("CPU of stack JVM + PostgreSQL", idle.toString());
      row("  busiest stack JVM threads (ms a second)", idle.threads());
      section("Intake (HTTP 202, client-side, open-loop latency from the scheduled start)");
      row(
          "steady open-loop at %.0f/s".formatted(plan.steadyRate()),
          throughput(steady) + latency(steady.latency, true));
      row(
          "saturation, closed-loop %d clients".formatted(clients),
          throughput(saturation) + latency(saturation.latency, true));
      section("End to end (202 received -> TransactionCompleted consumed from Kafka)");
      row(
          "steady, 202->COMPLETED",
          "%d completed, ".formatted(steadyE2e.count()) + latency(steadyE2e, false));
      row(
          "saturation, completed/s",
          "%.0f/s (%d completed, %s)"
              .formatted(e2ePerSecond, completed, latency(saturationE2e, false)));
      section("Relay lag under steady load");
      row(
          "relay metric commit->ack, steady phase only (p50 / p99, histogram buckets)",
          "<= %.0f / <= %.0f ms over %d records  (goal p99 <= 30 ms)"
              .formatted(relay.p50(), relay.p99(), relay.count()));
      row("202 received -> request record consumed", latency(visible, false));
      section(
          "SQL ceiling on the same PostgreSQL (%s, %d clients)"
              .formatted(SqlCeiling.tool(), clients));
      row("intake statements", "%.0f tps".formatted(intakeCeiling));
      row("full lifecycle (3 commits)", "%.0f payments/s".formatted(lifecycleCeiling));
      double intakeRatio = saturation.acceptedPerSecond() / intakeCeiling;
      double e2eRatio = e2ePerSecond / lifecycleCeiling;
      row("intake / ceiling", "%.0f %%  (goal >= 60 %%)".formatted(100 * intakeRatio));
      row("e2e / ceiling", "%.0f %%  (goal >= 50 %%)".formatted(100 * e2eRatio));
      section("CPU per payment (two cores: 2,000 ms of CPU a second)");
      row("Onceflow, saturation: stack JVM + PostgreSQL", saturated.cpuPerPayment());
      saturated.stackThreads().entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(12)
          .forEach(
              thread ->
                  row(
                      "  stack JVM thread(s) \"%s\"".formatted(thread.getKey()),
                      "%.2f ms".formatted(saturated.perPayment(thread.getValue()))));
      row(
          "Onceflow, saturation: the load generator (this JVM)",
          "%.1f ms".formatted(saturated.perPayment(saturated.cpu().selfMillis())));
      double sqlMillis = lifecycleCpu.postgresMillis() / lifecyclePayments;
      double pgbenchMillis = lifecycleCpu.selfMillis() / lifecyclePayments;
      row(
          "SQL ceiling, full lifecycle: PostgreSQL + %s".formatted(SqlCeiling.tool()),
          "%.1f + %.1f ms (machine busy %.0f %%)"
              .formatted(sqlMillis, pgbenchMillis, lifecycleCpu.busyPercent()));
      double onceflowMillis = saturated.pipelinePerPayment();
      row(
          "payments/s two cores carry at that cost",
          "Onceflow %.0f/s, its SQL alone %.0f/s (ratio %.0f %%)"
              .formatted(
                  2000 / onceflowMillis, 2000 / sqlMillis, 100 * sqlMillis / onceflowMillis));
      section(
          "Naive flow (bank call inside the request) vs async, bank at 50 ms, %.0f/s"
              .formatted(plan.naiveRate()));
      row("async intake", throughput(async) + latency(async.latency, true));
      row("naive", throughput(naive) + latency(naive.latency, true));
      double naiveRatio = naive.latency.millis(0.99) / async.latency.millis(0.99);
      row("naive p99 / async p99", "%.1fx  (goal >= 5x)".formatted(naiveRatio));

      section("Fairness: one client floods a second intake instance");
      fairness.forEach(
          (setting, result) -> {
            row(
                setting + ": steady client alone, open-loop %.0f/s".formatted(Fairness.STEADY_RATE),
                throughput(result.alone()) + latency(result.alone().latency, true));
            row(
                setting + ": steady client while the other sends",
                throughput(result.flooded()) + latency(result.flooded().latency, true));
            row(
                setting + ": steady client's p99 flooded / alone",
                "%.1fx  (goal <= 2x)".formatted(result.ratio()));
            row(
                setting + ": the other client: accepted, 429 (Retry-After), anything else",
                "%d accepted (%.0f/s), %d x 429, %d other (errors, timeouts)"
                    .formatted(
                        result.flood().latency.count(),
                        result.flood().acceptedPerSecond(),
                        result.floodAnswered("429"),
                        result.floodOther()));
          });

      double cpuBound = 2000 / onceflowMillis;
      progress(
          "Draining a backlog: bank at %s ms, with %s workers; CPU bound (saturation phase) %.0f/s",
          join(BANK_LATENCIES_MS, "/"), join(WORKER_COUNTS, ", "), cpuBound);
      List<Cell> cells = new ArrayList<>();
      try (WorkerGroup group = new WorkerGroup("localhost:" + kafkaPort)) {
        for (int count : WORKER_COUNTS) {
          while (1 + workers.size() < count) {
            startWorker();
          }
          awaitWorkersHealthy();
          // One consumer per worker process, whatever its onceflow.worker.max-in-flight.
          WorkerGroup.Split split = group.awaitStable(count, Duration.ofSeconds(120));
          for (int latency : BANK_LATENCIES_MS) {
            cells.add(cell(intake, events, latency, count, split, cpuBound));
          }
        }
      }
      bankLatency(0);
      section("Draining a backlog with intake idle: completed/s and its bounds");
      row(
          "CPU bound: two cores at the saturation phase's cost",
          "%.0f payments/s (stack JVM + PostgreSQL %.1f ms a payment, intake included)"
              .formatted(cpuBound, onceflowMillis));
      row(
          "bank simulator bound: %d request threads / latency".formatted(SIMULATOR_THREADS),
          Arrays.stream(BANK_LATENCIES_MS)
              .mapToObj(
                  latency ->
                      "%.0f/s at %d ms".formatted(SIMULATOR_THREADS * 1000.0 / latency, latency))
              .collect(Collectors.joining(", ")));
      cells.stream()
          .sorted(Comparator.comparingInt(Cell::latencyMs).thenComparingInt(Cell::workers))
          .forEach(
              cell -> {
                row(cell.name(), cell.summary());
                row(
                    "  %s: CPU per payment, stack JVM + extra workers + PostgreSQL"
                        .formatted(cell.name()),
                    cell.cpuPerPayment());
              });
      notes.add(
          ("draining: each cell fills a backlog with intake (closed loop, %d clients) until it holds %d s of the lowest bound"
                  + " known before it (Little's law, the bank simulator's, the CPU bound of the saturation phase)%s, then measures the"
                  + " workers emptying it with intake idle: completions up to the 95th percentile of them, per second. Little's law is"
                  + " the workers' onceflow.worker.max.in.flight gauges summed over the bank latency (and, since a backlog spreads evenly"
                  + " over the partitions, the worker with the most of them bounds the drain); in flight is the median of their"
                  + " onceflow.worker.in.flight gauges summed, read every %d ms.")
              .formatted(
                  clients,
                  plan.drainTargetSeconds(),
                  plan.backlogPerSlot() > 0
                      ? ", and at least %d times what the workers hold at once"
                          .formatted(plan.backlogPerSlot())
                      : "",
                  IN_FLIGHT_SAMPLE_MILLIS));
      Map<Integer, Long> workerPeaks = new LinkedHashMap<>();
      for (Process worker : workers) {
        workerPeaks.put(workerPeaks.size() + 2, Processes.peakRssKb(worker.pid()));
      }

      section("Peak RSS (VmHWM) of every process");
      row("local stack JVM (PostgreSQL aside)", Processes.mib(Processes.peakRssKb(stack.pid())));
      long postmaster = Processes.postmasterPid(work.resolve("stack").resolve("postgres"));
      List<Long> postgres = Processes.postgresTree(postmaster);
      long maxBackend = postgres.stream().skip(1).mapToLong(Processes::peakRssKb).max().orElse(0);
      long pss = postgres.stream().mapToLong(Processes::pssKb).sum();
      row(
          "PostgreSQL postmaster / largest of %d children".formatted(postgres.size() - 1),
          Processes.mib(Processes.peakRssKb(postmaster)) + " / " + Processes.mib(maxBackend));
      row("PostgreSQL, all processes (PSS now, shared buffers counted once)", Processes.mib(pss));
      workerPeaks.forEach(
          (n, kb) -> row("extra worker %d (-Xmx384m)".formatted(n), Processes.mib(kb)));
      row(
          "benchmark JVM (load, Kafka tracker, naive server)",
          Processes.mib(Processes.peakRssKb(ProcessHandle.current().pid())));
      notes.add(
          "pgbench's own processes are not sampled: it ran as a short-lived client of a few MiB.");
      notes.add("load average at end: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }
    printTable();
  }

  /**
   * The closed-loop saturation phase, its end-to-end figures, and the CPU it took until the last
   * payment was final.
   */
  record Saturation(
      HttpLoad.Run run,
      Latencies e2e,
      long completed,
      double e2ePerSecond,
      CpuUse cpu,
      Map<String, Long> stackThreads) {

    /** CPU ms per accepted payment (each one was followed until it was final). */
    double perPayment(long millis) {
      return (double) millis / Math.max(1, run.accepted.size());
    }

    /** The stack JVM's and PostgreSQL's CPU ms per payment: what the pipeline costs. */
    double pipelinePerPayment() {
      return perPayment(cpu.stackMillis() + cpu.postgresMillis());
    }

    String cpuPerPayment() {
      return "%.1f + %.1f = %.1f ms (machine busy %.0f %%)"
          .formatted(
              perPayment(cpu.stackMillis()),
              perPayment(cpu.postgresMillis()),
              pipelinePerPayment(),
              cpu.busyPercent());
    }
  }

  /**
   * CPU time (ms) used by the stack JVM, the extra workers' JVMs, PostgreSQL and this JVM (with
   * pgbench), and by the machine.
   */
  record CpuUse(
      long stackMillis,
      long workersMillis,
      long postgresMillis,
      long selfMillis,
      long busyMillis,
      long totalMillis) {

    CpuUse since(CpuUse earlier) {
      return new CpuUse(
          stackMillis - earlier.stackMillis,
          workersMillis - earlier.workersMillis,
          postgresMillis - earlier.postgresMillis,
          selfMillis - earlier.selfMillis,
          busyMillis - earlier.busyMillis,
          totalMillis - earlier.totalMillis);
    }

    double busyPercent() {
      return 100.0 * busyMillis / Math.max(1, totalMillis);
    }
  }

  /**
   * CPU the stack JVM and PostgreSQL use with no load at all, per second of wall time (1,000 ms is
   * one core). The JIT compilers are counted apart: after a load they compile what it made hot for
   * a minute or more, which ends, while what the services do when idle does not.
   */
  record Idle(
      double stackPerSecond,
      double compilersPerSecond,
      double postgresPerSecond,
      Map<String, Double> busiestThreads) {

    double perSecond() {
      return stackPerSecond + postgresPerSecond;
    }

    @Override
    public String toString() {
      return "%.0f + %.0f = %.0f ms a second (%.0f %% of two cores); JIT compilers apart: %.0f ms a second"
          .formatted(
              stackPerSecond, postgresPerSecond, perSecond(), perSecond() / 20, compilersPerSecond);
    }

    String threads() {
      return busiestThreads.entrySet().stream()
          .map(thread -> "\"%s\" %.0f".formatted(thread.getKey(), thread.getValue()))
          .collect(Collectors.joining(", "));
    }
  }

  /**
   * Waits, up to a limit, until the stack JVM's JIT compilers have compiled what the warm-up made
   * hot (under a tenth of a core, measured over 2 s): until then they take up to a core, and the
   * figures of the phases after would depend on how far they had got.
   */
  private void settle() {
    long deadline = System.nanoTime() + plan.settleSeconds() * 1_000_000_000L;
    long started = System.nanoTime();
    double perSecond;
    do {
      long before = compilerMillis();
      long at = System.nanoTime();
      sleep(2000);
      perSecond = (compilerMillis() - before) / ((System.nanoTime() - at) / 1e9);
    } while (perSecond > 100 && System.nanoTime() < deadline);
    progress(
        "  JIT compilers at %.0f ms a second after %.0f s%s",
        perSecond,
        (System.nanoTime() - started) / 1e9,
        perSecond > 100
            ? " (still compiling: the limit of %d s passed)".formatted(plan.settleSeconds())
            : "");
  }

  private long compilerMillis() {
    return Processes.threadCpuMillis(stack.pid()).entrySet().stream()
        .filter(thread -> thread.getKey().contains(JIT_COMPILERS))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Measures what the stack costs while nothing happens: polling loops, timers, heartbeats. */
  private Idle idle() {
    progress("Idle: %d s without load", plan.idleSeconds());
    CpuUse before = cpuNow();
    Map<String, Long> threadsBefore = Processes.threadCpuMillis(stack.pid());
    long start = System.nanoTime();
    sleep(plan.idleSeconds() * 1000L);
    CpuUse cpu = cpuNow().since(before);
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> threads = threadCpuSince(threadsBefore);
    double compilers =
        threads.entrySet().stream()
                .filter(t -> t.getKey().contains(JIT_COMPILERS))
                .mapToLong(Map.Entry::getValue)
                .sum()
            / seconds;
    Map<String, Double> busiest = new LinkedHashMap<>();
    threads.entrySet().stream()
        .filter(t -> !t.getKey().contains(JIT_COMPILERS))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(5)
        .forEach(thread -> busiest.put(thread.getKey(), thread.getValue() / seconds));
    Idle idle =
        new Idle(
            cpu.stackMillis() / seconds - compilers,
            compilers,
            cpu.postgresMillis() / seconds,
            busiest);
    progress("  idle: %s; busiest stack threads (ms a second): %s", idle, idle.threads());
    return idle;
  }

  /** The stack JVM's CPU ms by thread name (ports named) since {@code before} was read. */
  private Map<String, Long> threadCpuSince(Map<String, Long> before) {
    Map<String, Long> since = new TreeMap<>();
    Processes.threadCpuMillis(stack.pid())
        .forEach(
            (name, millis) ->
                since.merge(portsNamed(name), millis - before.getOrDefault(name, 0L), Long::sum));
    return since;
  }

  /** A thread name with the stack's ports replaced by what listens on them. */
  private String portsNamed(String thread) {
    return thread
        .replace(Integer.toString(intakePort), "intake")
        .replace(Integer.toString(bankPort), "bank")
        .replace(Integer.toString(workerPort), "worker")
        .replace(Integer.toString(relayPort), "relay")
        .replace(Integer.toString(intakeManagementPort), "intake-mgmt");
  }

  private CpuUse cpuNow() {
    long[] machine = Processes.machineCpuMillis();
    return new CpuUse(
        Processes.cpuMillis(stack.pid(), false),
        workers.stream().mapToLong(worker -> Processes.cpuMillis(worker.pid(), false)).sum(),
        Processes.postgresCpuMillis(
            Processes.postmasterPid(work.resolve("stack").resolve("postgres"))),
        Processes.cpuMillis(ProcessHandle.current().pid(), true),
        machine[0],
        machine[1]);
  }

  private Saturation saturate(HttpLoad intake, EventTracker events) throws InterruptedException {
    progress("Saturation: %d s closed-loop with %d clients", plan.saturationSeconds(), clients);
    CpuUse before = cpuNow();
    Map<String, Long> threadsBefore = Processes.threadCpuMillis(stack.pid());
    HttpLoad.Run run =
        intake.closedLoop("saturation", clients, Duration.ofSeconds(plan.saturationSeconds()));
    Latencies e2e = events.awaitFinal(run, drainLimit(), notes);
    CpuUse cpu = cpuNow().since(before);
    Map<String, Long> threads = threadCpuSince(threadsBefore);
    long lastCompletion =
        run.accepted.keySet().stream()
            .map(events.completedAt::get)
            .filter(t -> t != null)
            .max(Long::compare)
            .orElse(run.endedAt);
    long completed = run.accepted.keySet().stream().filter(events.completedAt::containsKey).count();
    double e2ePerSecond = completed / ((lastCompletion - run.startedAt) / 1e9);
    progress(
        "  saturation: intake %.0f/s, %s; e2e %.0f completed/s",
        run.acceptedPerSecond(), latency(run.latency, true), e2ePerSecond);
    Saturation saturation = new Saturation(run, e2e, completed, e2ePerSecond, cpu, threads);
    progress(
        "  saturation: CPU per payment, stack JVM + PostgreSQL: %s", saturation.cpuPerPayment());
    return saturation;
  }

  /**
   * One side of the before/after comparison: this stack jar started, warmed up, saturated, stopped.
   */
  record Side(
      String label,
      double readySeconds,
      long readyRssKb,
      long peakRssKb,
      Idle idle,
      Saturation saturation) {}

  private Side side(String label) throws Exception {
    startStack();
    List<String> accounts = openAccounts(SqlCeiling.ACCOUNTS);
    HttpLoad intake =
        new HttpLoad(
            new HttpLoad.Target(
                "http://localhost:" + intakePort + "/transactions", DEMO_KEY, 202, accounts));
    try (EventTracker events = new EventTracker("localhost:" + kafkaPort)) {
      progress(
          "%s: warm-up, %d s open-loop at %.0f/s", label, plan.warmupSeconds(), plan.warmupRate());
      events.awaitFinal(
          intake.openLoop(
              "warm-up", plan.warmupRate(), 64, Duration.ofSeconds(plan.warmupSeconds())),
          drainLimit(),
          notes);
      settle();
      Idle idle = idle();
      Saturation saturation = saturate(intake, events);
      return new Side(
          label, readySeconds, readyRssKb, Processes.peakRssKb(stack.pid()), idle, saturation);
    }
  }

  /**
   * Before/after in one run: the same short phase (start, warm-up, saturation, drain) against the
   * given earlier build's stack jar and against this one, one after the other on the same machine.
   */
  private void compare(Path before) throws Exception {
    List<Side> sides = new ArrayList<>();
    for (Path jar : List.of(before, stackJar)) {
      String label = jar.equals(before) ? "before" : "after";
      Benchmark side =
          new Benchmark(
              plan, false, clients, jar, null, Files.createDirectories(work.resolve(label)));
      progress("Comparison, %s: %s", label, jar);
      try {
        sides.add(side.side(label));
      } finally {
        side.stopEverything();
      }
    }
    section("Before/after, same run: %s vs %s".formatted(before, stackJar));
    for (Side side : sides) {
      Saturation saturation = side.saturation();
      row(
          side.label() + ": ready / RSS at ready (JVM + PostgreSQL) / JVM peak",
          "%.1f s / %s / %s"
              .formatted(
                  side.readySeconds(),
                  Processes.mib(side.readyRssKb()),
                  Processes.mib(side.peakRssKb())));
      row(
          side.label() + ": idle, CPU of stack JVM + PostgreSQL",
          side.idle().toString() + "; " + side.idle().threads());
      row(
          side.label() + ": intake saturation, %d clients".formatted(clients),
          throughput(saturation.run()) + latency(saturation.run().latency, true));
      row(
          side.label() + ": e2e completed/s",
          "%.0f/s (%d completed, %s)"
              .formatted(
                  saturation.e2ePerSecond(),
                  saturation.completed(),
                  latency(saturation.e2e(), false)));
      row(side.label() + ": CPU per payment, stack JVM + PostgreSQL", saturation.cpuPerPayment());
    }
    Saturation was = sides.get(0).saturation();
    Saturation is = sides.get(1).saturation();
    row(
        "after / before: intake/s, intake p99, e2e/s",
        "%.2fx, %.2fx, %.2fx"
            .formatted(
                is.run().acceptedPerSecond() / was.run().acceptedPerSecond(),
                is.run().latency.millis(0.99) / was.run().latency.millis(0.99),
                is.e2ePerSecond() / was.e2ePerSecond()));
    row(
        "after / before: ready, idle CPU, CPU per payment",
        "%.2fx, %.2fx, %.2fx"
            .formatted(
                sides.get(1).readySeconds() / sides.get(0).readySeconds(),
                sides.get(1).idle().perSecond() / sides.get(0).idle().perSecond(),
                is.pipelinePerPayment() / was.pipelinePerPayment()));
  }

  /** What the workers did with one backlog at one bank latency. */
  record Cell(
      int latencyMs,
      int workers,
      int maxInFlight,
      boolean maxInFlightRead,
      WorkerGroup.Split split,
      long backlog,
      double perSecond,
      double medianInFlight,
      long completed,
      CpuUse cpu) {

    String name() {
      return "bank %d ms, %d worker%s".formatted(latencyMs, workers, workers == 1 ? "" : "s");
    }

    /** Little's law: every slot busy for one bank call each. */
    double littleBound() {
      return maxInFlight * 1000.0 / latencyMs;
    }

    /**
     * Little's law for the busiest consumer: a backlog is spread evenly over the partitions, so the
     * worker holding the most of them drains its share last (workers taken to allow as many each).
     */
    double busiestBound() {
      return littleBound() * split.partitions() / ((double) split.busiest() * workers);
    }

    double bankBound() {
      return SIMULATOR_THREADS * 1000.0 / latencyMs;
    }

    /**
     * The stack JVM's, the extra workers' and PostgreSQL's CPU ms per payment completed while
     * draining.
     */
    double millisPerPayment() {
      return (double) (cpu.stackMillis() + cpu.workersMillis() + cpu.postgresMillis())
          / Math.max(1, completed);
    }

    double cpuBound() {
      return completed == 0 ? Double.NaN : 2000 / millisPerPayment();
    }

    String summary() {
      Map<String, Double> bounds = new LinkedHashMap<>();
      bounds.put("Little's law", Math.min(littleBound(), busiestBound()));
      bounds.put("bank simulator", bankBound());
      if (Double.isFinite(cpuBound())) {
        bounds.put("CPU at this cell's cost", cpuBound());
      }
      Map.Entry<String, Double> lowest =
          bounds.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
      String skew =
          busiestBound() < littleBound()
              ? ", %.0f/s with %d of %d partitions on the busiest worker"
                  .formatted(busiestBound(), split.busiest(), split.partitions())
              : "";
      return "%.0f completed/s of a backlog of %d; Little's law bound %.0f/s (%d%s in flight / %d ms%s); in flight %s; lowest bound: %s %.0f/s"
          .formatted(
              perSecond,
              backlog,
              littleBound(),
              maxInFlight,
              maxInFlightRead ? "" : " (the default: gauge not read)",
              latencyMs,
              skew,
              Double.isNaN(medianInFlight) ? "n/a" : "%.0f (median)".formatted(medianInFlight),
              lowest.getKey(),
              lowest.getValue());
    }

    String cpuPerPayment() {
      double per = Math.max(1, completed);
      return "%.1f + %.1f + %.1f = %.1f ms over %d payments (machine busy %.0f %%); two cores carry %.0f/s at that cost"
          .formatted(
              cpu.stackMillis() / per,
              cpu.workersMillis() / per,
              cpu.postgresMillis() / per,
              millisPerPayment(),
              completed,
              cpu.busyPercent(),
              cpuBound());
    }
  }

  /**
   * One cell of the draining matrix: sets the bank's latency, fills the request topic with intake
   * (closed loop) until the backlog holds about {@code drainTargetSeconds} of the lowest bound
   * known beforehand, stops intake, and measures how fast the workers empty it: completions after
   * the fill ended, up to the 95th percentile of them (a retried straggler does not stretch the
   * window), per second; the CPU of the stack JVM, the extra workers and PostgreSQL meanwhile; and
   * the workers' in-flight gauges, sampled.
   */
  private Cell cell(
      HttpLoad intake,
      EventTracker events,
      int latencyMs,
      int count,
      WorkerGroup.Split split,
      double cpuBound)
      throws Exception {
    bankLatency(latencyMs);
    List<String> managementUrls = new ArrayList<>();
    managementUrls.add("http://localhost:" + workerPort);
    managementUrls.addAll(workerUrls);
    int maxInFlight = 0;
    boolean maxInFlightRead = true;
    for (String url : managementUrls) {
      double max = gauge(url, "onceflow.worker.max.in.flight");
      maxInFlightRead &= !Double.isNaN(max);
      maxInFlight += Double.isNaN(max) ? DEFAULT_MAX_IN_FLIGHT : (int) max;
    }
    double little =
        maxInFlight * 1000.0 / latencyMs * split.partitions() / ((double) split.busiest() * count);
    double known = Math.min(little, SIMULATOR_THREADS * 1000.0 / latencyMs);
    if (Double.isFinite(cpuBound) && cpuBound > 0) {
      known = Math.min(known, cpuBound);
    }
    // More than the workers hold at once, or the drain is only the tail of what they had started.
    long floor = Math.max(plan.minBacklog(), (long) plan.backlogPerSlot() * maxInFlight);
    long target =
        Math.max(floor, Math.min(plan.maxBacklog(), Math.round(known * plan.drainTargetSeconds())));
    String name = "%d ms, %d worker%s".formatted(latencyMs, count, count == 1 ? "" : "s");
    progress(
        "  %s: filling a backlog of %d (closed loop, %d clients, at most %d s)",
        name, target, clients, plan.fillLimitSeconds());
    HttpLoad.Run fill =
        intake.closedLoop(
            "fill " + name,
            clients,
            Duration.ofSeconds(plan.fillLimitSeconds()),
            run -> events.open(run) >= target);
    long filled = fill.endedAt;
    CpuUse before = cpuNow();
    long backlog =
        fill.accepted.keySet().stream().filter(id -> !events.finalBy(id, filled)).count();
    progress(
        "  %s: draining a backlog of %d (%d accepted at %.0f/s), intake idle",
        name, backlog, fill.accepted.size(), fill.acceptedPerSecond());
    List<long[]> samples = new ArrayList<>();
    Thread sampler = new Thread(() -> sampleInFlight(managementUrls, samples), "in-flight-sampler");
    sampler.setDaemon(true);
    sampler.start();
    long deadline = filled + TimeUnit.SECONDS.toNanos(plan.cellDrainLimitSeconds());
    long lastReport = System.nanoTime();
    long open;
    while ((open = events.open(fill)) > 0 && System.nanoTime() < deadline) {
      if (System.nanoTime() - lastReport > 5_000_000_000L) {
        long[] last;
        synchronized (samples) {
          last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        }
        progress(
            "  %s: %d of %d left, %s in flight",
            name, open, backlog, last == null ? "?" : Long.toString(last[1]));
        lastReport = System.nanoTime();
      }
      sleep(100);
    }
    CpuUse cpu = cpuNow().since(before);
    sampler.interrupt();
    sampler.join();
    if (open > 0) {
      notes.add(
          "%s: %d of %d payments still open after the cell's %d s of draining (measured without them)"
              .formatted(name, open, backlog, plan.cellDrainLimitSeconds()));
    }
    long[] after =
        fill.accepted.keySet().stream()
            .map(events.completedAt::get)
            .filter(t -> t != null && t > filled)
            .mapToLong(Long::longValue)
            .sorted()
            .toArray();
    double perSecond = Double.NaN;
    long until = Long.MAX_VALUE;
    if (after.length > 0) {
      int last = Math.max(0, (int) Math.ceil(after.length * 0.95) - 1);
      perSecond = (last + 1) / Math.max(1e-3, (after[last] - filled) / 1e9);
      until = after[last];
    }
    long end = until;
    double medianInFlight =
        median(
            samples.stream()
                .filter(sample -> sample[0] >= filled && sample[0] <= end)
                .mapToLong(sample -> sample[1])
                .toArray());
    Cell cell =
        new Cell(
            latencyMs,
            count,
            maxInFlight,
            maxInFlightRead,
            split,
            backlog,
            perSecond,
            medianInFlight,
            after.length,
            cpu);
    progress(
        "  %s: %.0f completed/s (Little's law bound %.0f/s), in flight %.0f, CPU %.1f ms a payment",
        name, perSecond, cell.littleBound(), medianInFlight, cell.millisPerPayment());
    // The next cell starts from an empty topic: what is left (retries, stragglers) ends first.
    events.awaitFinal(fill, drainLimit(), notes);
    return cell;
  }

  /**
   * Until interrupted: (nanoTime, the workers' in-flight gauges summed) every
   * IN_FLIGHT_SAMPLE_MILLIS, when every worker answered.
   */
  private void sampleInFlight(List<String> managementUrls, List<long[]> samples) {
    while (!Thread.currentThread().isInterrupted()) {
      long at = System.nanoTime();
      long sum = 0;
      boolean all = true;
      for (String url : managementUrls) {
        double inFlight = gauge(url, "onceflow.worker.in.flight");
        all &= !Double.isNaN(inFlight);
        sum += Double.isNaN(inFlight) ? 0 : (long) inFlight;
      }
      if (all) {
        synchronized (samples) {
          samples.add(new long[] {at, sum});
        }
      }
      try {
        Thread.sleep(IN_FLIGHT_SAMPLE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static double median(long[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
  }

  /**
   * One gauge of a worker, read through its actuator's metrics endpoint (the meter its Prometheus
   * endpoint shows), or NaN.
   */
  private double gauge(String managementUrl, String meter) {
    Matcher value = GAUGE_VALUE.matcher(get(managementUrl + "/actuator/metrics/" + meter, null));
    return value.find() ? Double.parseDouble(value.group(1)) : Double.NaN;
  }

  private static final Pattern GAUGE_VALUE =
      Pattern.compile("\"statistic\"\\s*:\\s*\"VALUE\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.eE+-]+)");

  private static String join(int[] values, String separator) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(separator));
  }

  /** One ceiling script; a failure is reported in the notes rather than ending the run. */
  private double ceiling(SqlCeiling ceiling, String name, String script) {
    try {
      return ceiling.run(name, script, clients, plan.ceilingSeconds(), work);
    } catch (Exception e) {
      notes.add(name + " failed: " + e.getMessage());
      return Double.NaN;
    }
  }

  private void startStack() throws Exception {
    Path log = work.resolve("stack.log");
    List<String> command = new ArrayList<>(List.of(java()));
    Path archive = stackJar.resolveSibling("onceflow-local.jsa");
    if (profile) {
      // Sampled stacks of the whole stack JVM, written when it stops: jfr print --events
      // jdk.ExecutionSample
      command.add(
          "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
              + work.resolve("stack.jfr"));
      notes.add(
          "--jfr: the stack JVM ran with a flight recording ("
              + work.resolve("stack.jfr")
              + ") and without the class-data"
              + " archive (JDK 17 crashes with both); its figures carry that overhead.");
      section("Local stack start (java -jar onceflow-local.jar --wipe, with a flight recording)");
    } else if (Files.exists(archive)) {
      // The README's run command: the class-data archive the build recorded.
      command.add("-XX:SharedArchiveFile=" + archive);
      section(
          "Local stack start (the README's run command: java -XX:SharedArchiveFile=onceflow-local.jsa -jar onceflow-local.jar --wipe)");
    } else {
      section(
          "Local stack start (java -jar onceflow-local.jar --wipe: this build has no class-data archive)");
    }
    command.addAll(
        List.of(
            "-jar",
            stackJar.toString(),
            "--wipe",
            "--data-dir=" + work.resolve("stack"),
            "--postgres-port=" + postgresPort,
            "--kafka-port=" + kafkaPort,
            "--kafka-controller-port=" + Processes.freePort(),
            "--intake-port=" + intakePort,
            "--bank-port=" + bankPort,
            "--worker-port=" + workerPort,
            "--relay-port=" + relayPort,
            "--intake-management-port=" + intakeManagementPort,
            // Given, not read from the data directory: an earlier build (--compare-with) knows its
            // own.
            "--onceflow.admin.api-key=" + ADMIN_KEY,
            // The phases drive the demo client as hard as the pipeline goes: its rate is not
            // measured.
            "--onceflow.intake.limits.requests-per-second=1000000",
            "--onceflow.intake.limits.burst=1000000"));
    progress("Starting the local stack (log: %s)", log);
    long started = System.nanoTime();
    stack =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String text = "";
    while (!text.contains(ReadyLine.STACK)) {
      if (!stack.isAlive()) {
        throw new IllegalStateException("the local stack exited; see " + log);
      }
      if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(240)) {
        throw new IllegalStateException("the local stack was not ready within 240 s; see " + log);
      }
      sleep(100);
      text = Files.readString(log);
    }
    long readyMillis = (System.nanoTime() - started) / 1_000_000;
    Matcher inside = Pattern.compile("started in (\\d+) ms").matcher(text);
    long jvm = Processes.peakRssKb(stack.pid());
    long postgres =
        Processes.postgresTree(Processes.postmasterPid(work.resolve("stack").resolve("postgres")))
            .stream()
            .mapToLong(Processes::pssKb)
            .sum();
    readySeconds = readyMillis / 1000.0;
    readyRssKb = jvm + postgres;
    row(
        "ready (process start -> banner)",
        "%.1f s (in-JVM: %s ms)  (goal <= 15 s)"
            .formatted(readyMillis / 1000.0, inside.find() ? inside.group(1) : "?"));
    row(
        "RSS at ready: JVM VmHWM + PostgreSQL PSS",
        "%s + %s = %s  (goal <= 1.2 GB)"
            .formatted(Processes.mib(jvm), Processes.mib(postgres), Processes.mib(jvm + postgres)));
    progress("Local stack ready in %.1f s", readyMillis / 1000.0);
    machine();
  }

  private void machine() throws Exception {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(line -> line.startsWith("model name"))
            .findFirst()
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .orElse("?");
    String memory =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal"))
            .findFirst()
            .orElse("?");
    Process version = new ProcessBuilder(java(), "-version").redirectErrorStream(true).start();
    String javaVersion =
        new String(version.getInputStream().readAllBytes()).lines().findFirst().orElse("?");
    String postgres;
    try (Connection connection = DriverManager.getConnection(productJdbcUrl(), DB_USER, "");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')")) {
      rows.next();
      postgres =
          rows.getString(1).replaceAll(" on .*", "")
              + " (synchronous_commit="
              + rows.getString(2)
              + ", fsync="
              + rows.getString(3)
              + ")";
    }
    notes.add(
        0,
        "machine: %d CPUs (%s), %s, %s; %s"
            .formatted(
                Runtime.getRuntime().availableProcessors(),
                cpu,
                memory.replaceAll("\\s+", " "),
                javaVersion,
                postgres));
  }

  private static String randomAdminKey() {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private List<String> openAccounts(int count) throws Exception {
    String intake = "http://localhost:" + intakePort;
    Matcher client = ID.matcher(get(intake + "/admin/clients", ADMIN_KEY));
    if (!client.find()) {
      throw new IllegalStateException("no demo client in GET /admin/clients");
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(intake + "/admin/clients/" + client.group(1) + "/accounts"))
                  .header("Authorization", "Bearer " + ADMIN_KEY)
                  .header("Content-Type", "application/json")
                  .header("Idempotency-Key", "benchmark-account-" + UUID.randomUUID())
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"currency\":\"EUR\",\"openingBalance\":1000000000000}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher id = ID.matcher(response.body());
      if (response.statusCode() != 201 || !id.find()) {
        throw new IllegalStateException(
            "cannot open an account: " + response.statusCode() + " " + response.body());
      }
      ids.add(id.group(1));
    }
    return ids;
  }

  /**
   * The relay's commit->ack histogram from its Prometheus endpoint: bucket bound (ms) -> records at
   * or below it.
   */
  private Map<Double, Long> relayBuckets() throws Exception {
    Map<Double, Long> buckets = new TreeMap<>();
    String text = get("http://localhost:" + relayPort + "/actuator/prometheus", null);
    Matcher bucket =
        Pattern.compile(
                "^onceflow_relay_publish_latency_seconds_bucket\\{(?=[^}]*since=\"commit\")[^}]*le=\"([^\"]+)\"[^}]*} ([0-9.eE+]+)$",
                Pattern.MULTILINE)
            .matcher(text);
    while (bucket.find()) {
      double bound =
          bucket.group(1).equals("+Inf")
              ? Double.POSITIVE_INFINITY
              : Double.parseDouble(bucket.group(1)) * 1000;
      buckets.put(bound, (long) Double.parseDouble(bucket.group(2)));
    }
    return buckets;
  }

  /**
   * Commit->ack quantiles of the records published between two readings of the relay's histogram.
   */
  record RelayLag(double p50, double p99, long count) {

    static RelayLag between(Map<Double, Long> before, Map<Double, Long> after) {
      Map<Double, Long> delta = new TreeMap<>();
      after.forEach(
          (bound, cumulative) -> delta.put(bound, cumulative - before.getOrDefault(bound, 0L)));
      long count = delta.getOrDefault(Double.POSITIVE_INFINITY, 0L);
      return new RelayLag(bound(delta, 0.5, count), bound(delta, 0.99, count), count);
    }

    /** The smallest bucket bound that holds at least the quantile's share of the records. */
    private static double bound(Map<Double, Long> cumulative, double quantile, long count) {
      if (count == 0) {
        return Double.NaN;
      }
      for (Map.Entry<Double, Long> bucket : cumulative.entrySet()) {
        if (bucket.getValue() >= Math.ceil(quantile * count)) {
          return bucket.getKey();
        }
      }
      return Double.POSITIVE_INFINITY;
    }
  }

  private void bankLatency(int millis) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(bankUrl() + "/faults"))
                .header("Content-Type", "application/json")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"latencyMs\":{\"min\":%d,\"max\":%d}}".formatted(millis, millis)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "PUT /faults: " + response.statusCode() + " " + response.body());
    }
  }

  /** Another worker as its own process, sharing the topic's partitions with the stack's worker. */
  private void startWorker() throws IOException {
    int port = Processes.freePort();
    int number = workers.size() + 2;
    progress("Starting worker %d on port %d", number, port);
    Process worker =
        new ProcessBuilder(
                java(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-jar",
                stackJar.toString(),
                "service",
                "bank-worker",
                "--server.port=" + port,
                "--management.server.port=" + port,
                "--spring.datasource.url=" + productJdbcUrl(),
                "--spring.kafka.bootstrap-servers=localhost:" + kafkaPort,
                "--onceflow.bank.base-url=" + bankUrl())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("worker-" + number + ".log").toFile())
            .start();
    workers.add(worker);
    workerUrls.add("http://localhost:" + port);
  }

  /** The extra workers' management (actuator) roots, in the order of {@link #workers}. */
  private final List<String> workerUrls = new ArrayList<>();

  private void awaitWorkersHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    for (int i = 0; i < workers.size(); i++) {
      while (!get(workerUrls.get(i) + "/actuator/health", null).contains("\"UP\"")) {
        if (!workers.get(i).isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("worker " + (i + 2) + " did not start; see " + work);
        }
        sleep(500);
      }
    }
  }

  private void stopEverything() {
    for (Process worker : workers) {
      worker.destroy();
    }
    for (Process worker : workers) {
      waitFor(worker);
    }
    if (stack != null) {
      stack.destroy();
      waitFor(stack);
      if (!stack.isAlive()
          && Processes.postmasterPid(work.resolve("stack").resolve("postgres")) < 0) {
        // PostgreSQL and Kafka data: hundreds of MB nobody reads again; logs and scripts stay.
        delete(work.resolve("stack"));
      }
    }
  }

  private static void delete(Path directory) {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.err.println(
          "onceflow-benchmark: could not delete " + directory + ": " + e.getMessage());
    }
  }

  private static void waitFor(Process process) {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String get(String url, String bearer) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** How long the payments of a run may take to be final once its load has ended. */
  private Duration drainLimit() {
    return Duration.ofSeconds(plan.drainSeconds());
  }

  private String productJdbcUrl() {
    return "jdbc:postgresql://localhost:" + postgresPort + "/onceflow";
  }

  private String bankUrl() {
    return "http://localhost:" + bankPort;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String throughput(HttpLoad.Run run) {
    String refused = run.refused.isEmpty() ? "" : " refused " + run.refusals() + ",";
    return "%.0f/s,%s ".formatted(run.acceptedPerSecond(), refused);
  }

  private static String latency(Latencies latencies, boolean withTail) {
    String text =
        "p50 %.1f ms, p99 %.1f ms".formatted(latencies.millis(0.5), latencies.millis(0.99));
    return withTail ? text + ", p99.9 %.1f ms".formatted(latencies.millis(0.999)) : text;
  }

  private void section(String title) {
    table.put("#" + table.size(), title);
  }

  private void row(String name, String value) {
    table.put(name, value);
  }

  private void printTable() throws IOException {
    StringBuilder text = new StringBuilder("\n");
    table.forEach(
        (name, value) -> {
          if (name.startsWith("#")) {
            text.append("\n").append(value).append("\n");
          } else {
            text.append("  %-62s %s%n".formatted(name, value));
          }
        });
    text.append("\nNotes\n");
    notes.forEach(note -> text.append("  - ").append(note).append("\n"));
    System.out.print(text);
    Path report = work.resolve("report.txt");
    Files.writeString(report, text);
    progress("Report written to %s", report);
  }

  static void progress(String format, Object... args) {
    long seconds = (System.nanoTime() - STARTED) / 1_000_000_000;
    System.out.printf("[%02d:%02d] %s%n", seconds / 60, seconds % 60, format.formatted(args));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

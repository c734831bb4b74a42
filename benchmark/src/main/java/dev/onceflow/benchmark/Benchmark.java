package dev.onceflow.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark command. Starts the local stack jar as its own process (as a user would), drives
 * intake over HTTP, follows every payment through Kafka to its completion event, measures the SQL
 * ceiling of the same PostgreSQL with pgbench, the naive flow at 50 ms bank latency, and how fast
 * 1, 2 and 4 workers drain a backlog at 50 ms, 500 ms and 2 s against their bounds, then prints one
 * table. Figures only compare within one run: the machine is shared and noisy. This class is the
 * command line and the order of the phases; each phase measures in a class of its own and {@link
 * Report} lays out the table.
 */
public final class Benchmark {

  private static final long STARTED = System.nanoTime();

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
    // once (--quick's backlogs are smaller than that); filling and draining each stop at their
    // limit.
    static final Plan FULL =
        new Plan(30, 100, 50, 30, 20, 20, 50, 20, 15, 300, 2, 5000, 45, 60, 300, 10, 120, 20);
    static final Plan QUICK =
        new Plan(5, 50, 50, 8, 8, 5, 40, 6, 3, 100, 0, 400, 15, 20, 60, 5, 20, 6);

    /** How long the payments of a run may take to be final once its load has ended. */
    Duration drainLimit() {
      return Duration.ofSeconds(drainSeconds);
    }
  }

  private final Plan plan;
  private final boolean profile;
  private final int clients;
  private final Path stackJar;

  /** An earlier build's stack jar to compare this one with, or null. */
  private final Path compareWith;

  private final Path work;

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
    benchmark.run(plan == Plan.QUICK);
  }

  private void run(boolean quick) throws Exception {
    progress(
        "Onceflow benchmark (%s), %d clients; logs and scripts in %s",
        quick ? "quick" : "full", clients, work);
    String loadAtStart = Machine.loadAverage();
    Comparison.Result comparison =
        compareWith == null
            ? null
            : new Comparison(plan, clients, work).measure(compareWith, stackJar);
    try (StackProcess stack = new StackProcess(stackJar, work, profile)) {
      StackProcess.Ready ready = stack.start();
      String machine = Machine.describe(stack.jdbcUrl());
      List<String> notes = new ArrayList<>();
      CpuMeter cpu = new CpuMeter(stack);
      HttpLoad intake = stack.demoClient(SqlCeiling.ACCOUNTS);
      try (EventTracker events = new EventTracker(stack.kafka())) {
        progress("Warm-up: %d s open-loop at %.0f/s", plan.warmupSeconds(), plan.warmupRate());
        warmUp(intake, events, plan, notes);
        IdlePhase.Idle idle =
            new IdlePhase(cpu).measure(seconds(plan.settleSeconds()), seconds(plan.idleSeconds()));
        SteadyPhase.Steady steady =
            new SteadyPhase(intake, events, stack.relayManagementUrl())
                .measure(
                    plan.steadyRate(), seconds(plan.steadySeconds()), plan.drainLimit(), notes);
        CeilingPhase.Ceiling ceiling =
            new CeilingPhase(stack, cpu, work).measure(clients, plan.ceilingSeconds(), notes);
        SaturationPhase.Saturation saturation =
            new SaturationPhase(intake, events, cpu)
                .measure(clients, seconds(plan.saturationSeconds()), plan.drainLimit(), notes);
        NaivePhase.Naive naive =
            new NaivePhase(stack, intake, events)
                .measure(
                    plan.naiveRate(),
                    seconds(plan.naiveSeconds()),
                    ceiling.jdbcUrl(),
                    plan.drainLimit(),
                    notes);
        Map<Fairness.Setting, Fairness.Result> fairness = fairness(stack);
        DrainPhase.Drain drain =
            new DrainPhase(stack, intake, events, cpu, plan, clients)
                .measure(saturation.cpuBound(), notes);
        PeakRss peakRss = PeakRss.read(stack);
        String text =
            new Report(plan, clients)
                .text(
                    new Report.Results(
                        loadAtStart,
                        comparison,
                        ready,
                        machine,
                        idle,
                        steady,
                        ceiling,
                        saturation,
                        naive,
                        fairness,
                        drain,
                        peakRss,
                        notes,
                        Machine.loadAverage()));
        System.out.print(text);
        Path report = work.resolve("report.txt");
        Files.writeString(report, text);
        progress("Report written to %s", report);
      }
    }
  }

  /** Each of the fairness settings, each against a second intake instance of its own. */
  private Map<Fairness.Setting, Fairness.Result> fairness(StackProcess stack) throws Exception {
    Map<Fairness.Setting, Fairness.Result> results = new LinkedHashMap<>();
    for (Fairness.Setting setting : Fairness.Setting.MEASURED) {
      progress("Fairness: a second intake (%s), one steady client and one flooding it", setting);
      Fairness.Result result =
          new Fairness(StackProcess.ADMIN_KEY)
              .measure(
                  StackProcess.java(),
                  stackJar,
                  stack.jdbcUrl(),
                  work.resolve("fairness-intake-" + results.size() + ".log"),
                  seconds(plan.fairnessSeconds()),
                  setting);
      progress(
          "  steady client p99: alone %.1f ms, flooded %.1f ms",
          result.alone().latency.millis(0.99), result.flooded().latency.millis(0.99));
      results.put(setting, result);
    }
    return results;
  }

  /**
   * An open loop until its payments are final: the stack's JVM compiles the paths the phases take,
   * so that they do not measure the JIT.
   */
  static void warmUp(HttpLoad intake, EventTracker events, Plan plan, List<String> notes)
      throws InterruptedException {
    events.awaitFinal(
        intake.openLoop("warm-up", plan.warmupRate(), 64, seconds(plan.warmupSeconds())),
        plan.drainLimit(),
        notes);
  }

  static Duration seconds(int seconds) {
    return Duration.ofSeconds(seconds);
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

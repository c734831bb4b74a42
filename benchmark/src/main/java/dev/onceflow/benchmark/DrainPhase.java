package dev.onceflow.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The draining matrix: how fast 1, 2 and 4 worker processes empty a backlog with the bank at 50 ms,
 * 500 ms and 2 s, against the bounds that should hold it (Little's law over the workers' in-flight
 * limits, the bank simulator's threads, the CPU). Intake is idle while they drain, so the figure is
 * the workers' alone; a worker that falls short of every bound is the finding.
 */
record DrainPhase(
    StackProcess stack,
    HttpLoad intake,
    EventTracker events,
    CpuMeter cpu,
    Benchmark.Plan plan,
    int clients) {

  /** The bank latencies (ms) and worker counts of the matrix. */
  static final int[] BANK_LATENCIES_MS = {50, 500, 2000};

  static final int[] WORKER_COUNTS = {1, 2, 4};

  /**
   * Calls the bank simulator serves at once: it waits out its latency in a Tomcat request thread
   * (bank-simulator.properties' server.tomcat.threads.max).
   */
  static final int SIMULATOR_THREADS = 1200;

  /** How often the workers' in-flight gauges are read while they drain a backlog. */
  static final int IN_FLIGHT_SAMPLE_MILLIS = 250;

  /**
   * onceflow.worker.max-in-flight's default: what a worker whose gauge cannot be read is taken to
   * allow.
   */
  private static final int DEFAULT_MAX_IN_FLIGHT = 256;

  /** The matrix's cells in the order they ran, and the CPU bound they were given. */
  record Drain(double cpuBound, List<Cell> cells) {}

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
      CpuMeter.Use cpu) {

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
  }

  /**
   * Every cell, adding workers as the matrix goes; {@code cpuBound} is the saturation phase's.
   * Leaves the bank at no latency.
   */
  Drain measure(double cpuBound, List<String> notes) throws Exception {
    Benchmark.progress(
        "Draining a backlog: bank at %s ms, with %s workers; CPU bound (saturation phase) %.0f/s",
        join(BANK_LATENCIES_MS, "/"), join(WORKER_COUNTS, ", "), cpuBound);
    List<Cell> cells = new ArrayList<>();
    try (WorkerGroup group = new WorkerGroup(stack.kafka())) {
      for (int count : WORKER_COUNTS) {
        while (stack.workerCount() < count) {
          stack.startWorker();
        }
        stack.awaitWorkersHealthy();
        // One consumer per worker process, whatever its onceflow.worker.max-in-flight.
        WorkerGroup.Split split = group.awaitStable(count, Duration.ofSeconds(120));
        for (int latency : BANK_LATENCIES_MS) {
          cells.add(cell(latency, count, split, cpuBound, notes));
        }
      }
    }
    stack.bankLatency(0);
    return new Drain(cpuBound, cells);
  }

  /**
   * One cell: sets the bank's latency, fills the request topic with intake (closed loop) until the
   * backlog holds about {@code drainTargetSeconds} of the lowest bound known beforehand, stops
   * intake, and measures how fast the workers empty it: completions after the fill ended, up to the
   * 95th percentile of them (a retried straggler does not stretch the window), per second; the CPU
   * of the stack JVM, the extra workers and PostgreSQL meanwhile; and the workers' in-flight
   * gauges, sampled.
   */
  private Cell cell(
      int latencyMs, int count, WorkerGroup.Split split, double cpuBound, List<String> notes)
      throws Exception {
    stack.bankLatency(latencyMs);
    List<String> managementUrls = stack.workerManagementUrls();
    int maxInFlight = 0;
    boolean maxInFlightRead = true;
    for (String url : managementUrls) {
      double max = Actuator.gauge(url, "onceflow.worker.max.in.flight");
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
    Benchmark.progress(
        "  %s: filling a backlog of %d (closed loop, %d clients, at most %d s)",
        name, target, clients, plan.fillLimitSeconds());
    HttpLoad.Run fill =
        intake.closedLoop(
            "fill " + name,
            clients,
            Duration.ofSeconds(plan.fillLimitSeconds()),
            run -> events.open(run) >= target);
    long filled = fill.endedAt;
    CpuMeter.Use before = cpu.now();
    long backlog =
        fill.accepted.keySet().stream().filter(id -> !events.finalBy(id, filled)).count();
    Benchmark.progress(
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
        Benchmark.progress(
            "  %s: %d of %d left, %s in flight",
            name, open, backlog, last == null ? "?" : Long.toString(last[1]));
        lastReport = System.nanoTime();
      }
      Benchmark.sleep(100);
    }
    CpuMeter.Use used = cpu.now().since(before);
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
            used);
    Benchmark.progress(
        "  %s: %.0f completed/s (Little's law bound %.0f/s), in flight %.0f, CPU %.1f ms a payment",
        name, perSecond, cell.littleBound(), medianInFlight, cell.millisPerPayment());
    // The next cell starts from an empty topic: what is left (retries, stragglers) ends first.
    events.awaitFinal(fill, plan.drainLimit(), notes);
    return cell;
  }

  /**
   * Until interrupted: (nanoTime, the workers' in-flight gauges summed) every
   * IN_FLIGHT_SAMPLE_MILLIS, when every worker answered.
   */
  private static void sampleInFlight(List<String> managementUrls, List<long[]> samples) {
    while (!Thread.currentThread().isInterrupted()) {
      long at = System.nanoTime();
      long sum = 0;
      boolean all = true;
      for (String url : managementUrls) {
        double inFlight = Actuator.gauge(url, "onceflow.worker.in.flight");
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

  private static String join(int[] values, String separator) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(separator));
  }
}

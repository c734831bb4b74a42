package dev.onceflow.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one table the benchmark prints, from every phase's result: the phases measure, this decides
 * what a reader sees and in which order, so that a figure is formatted in one place and the table
 * reads the same from run to run (docs/benchmarks.md quotes it).
 */
final class Report {

  /**
   * Everything the table shows. {@code comparison} is null without --compare-with; {@code notes}
   * are what the phases noted as they ran, in that order.
   */
  record Results(
      String loadAtStart,
      Comparison.Result comparison,
      StackProcess.Ready ready,
      String machine,
      IdlePhase.Idle idle,
      SteadyPhase.Steady steady,
      CeilingPhase.Ceiling ceiling,
      SaturationPhase.Saturation saturation,
      NaivePhase.Naive naive,
      Map<Fairness.Setting, Fairness.Result> fairness,
      DrainPhase.Drain drain,
      PeakRss peakRss,
      List<String> notes,
      String loadAtEnd) {}

  private final Benchmark.Plan plan;
  private final int clients;

  /** Row name -> value; a section title is keyed "#" and its position. */
  private final Map<String, String> table = new LinkedHashMap<>();

  Report(Benchmark.Plan plan, int clients) {
    this.plan = plan;
    this.clients = clients;
  }

  String text(Results results) {
    section("Machine");
    row("load average at start", results.loadAtStart());
    if (results.comparison() != null) {
      comparison(results.comparison());
    }
    start(results.ready());
    idle(results.idle());
    intake(results.steady(), results.saturation());
    relay(results.steady().relay(), results.steady().visible());
    ceiling(results.ceiling(), results.saturation());
    cpu(results.saturation(), results.ceiling());
    naive(results.naive());
    fairness(results.fairness());
    drain(results.drain(), results.saturation());
    peakRss(results.peakRss());
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
    notes(results).forEach(note -> text.append("  - ").append(note).append("\n"));
    return text.toString();
  }

  private void comparison(Comparison.Result comparison) {
    section(
        "Before/after, same run: %s vs %s"
            .formatted(comparison.beforeJar(), comparison.afterJar()));
    for (Comparison.Side side : List.of(comparison.before(), comparison.after())) {
      SaturationPhase.Saturation saturation = side.saturation();
      row(
          side.label() + ": ready / RSS at ready (JVM + PostgreSQL) / JVM peak",
          "%.1f s / %s / %s"
              .formatted(
                  side.ready().seconds(),
                  Processes.mib(side.ready().rssKb()),
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
    SaturationPhase.Saturation was = comparison.before().saturation();
    SaturationPhase.Saturation is = comparison.after().saturation();
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
                comparison.after().ready().seconds() / comparison.before().ready().seconds(),
                comparison.after().idle().perSecond() / comparison.before().idle().perSecond(),
                is.pipelinePerPayment() / was.pipelinePerPayment()));
  }

  private void start(StackProcess.Ready ready) {
    section("Local stack start (" + ready.command() + ")");
    row(
        "ready (process start -> banner)",
        "%.1f s (in-JVM: %s ms)  (goal <= 15 s)".formatted(ready.seconds(), ready.inJvmMillis()));
    row(
        "RSS at ready: JVM VmHWM + PostgreSQL PSS",
        "%s + %s = %s  (goal <= 1.2 GB)"
            .formatted(
                Processes.mib(ready.jvmKb()),
                Processes.mib(ready.postgresKb()),
                Processes.mib(ready.rssKb())));
  }

  private void idle(IdlePhase.Idle idle) {
    section("Idle, after the warm-up (%d s without load)".formatted(plan.idleSeconds()));
    row("CPU of stack JVM + PostgreSQL", idle.toString());
    row("  busiest stack JVM threads (ms a second)", idle.threads());
  }

  private void intake(SteadyPhase.Steady steady, SaturationPhase.Saturation saturation) {
    section("Intake (HTTP 202, client-side, open-loop latency from the scheduled start)");
    row(
        "steady open-loop at %.0f/s".formatted(plan.steadyRate()),
        throughput(steady.run()) + latency(steady.run().latency, true));
    row(
        "saturation, closed-loop %d clients".formatted(clients),
        throughput(saturation.run()) + latency(saturation.run().latency, true));
    section("End to end (202 received -> TransactionCompleted consumed from Kafka)");
    row(
        "steady, 202->COMPLETED",
        "%d completed, ".formatted(steady.e2e().count()) + latency(steady.e2e(), false));
    row(
        "saturation, completed/s",
        "%.0f/s (%d completed, %s)"
            .formatted(
                saturation.e2ePerSecond(),
                saturation.completed(),
                latency(saturation.e2e(), false)));
  }

  private void relay(RelayLag relay, Latencies visible) {
    section("Relay lag under steady load");
    row(
        "relay metric commit->ack, steady phase only (p50 / p99, histogram buckets)",
        "<= %.0f / <= %.0f ms over %d records  (goal p99 <= 30 ms)"
            .formatted(relay.p50(), relay.p99(), relay.count()));
    row("202 received -> request record consumed", latency(visible, false));
  }

  private void ceiling(CeilingPhase.Ceiling ceiling, SaturationPhase.Saturation saturation) {
    section(
        "SQL ceiling on the same PostgreSQL (%s, %d clients)"
            .formatted(SqlCeiling.tool(), clients));
    row("intake statements", "%.0f tps".formatted(ceiling.intakeTps()));
    row("full lifecycle (3 commits)", "%.0f payments/s".formatted(ceiling.lifecycleTps()));
    double intakeRatio = saturation.run().acceptedPerSecond() / ceiling.intakeTps();
    double e2eRatio = saturation.e2ePerSecond() / ceiling.lifecycleTps();
    row("intake / ceiling", "%.0f %%  (goal >= 60 %%)".formatted(100 * intakeRatio));
    row("e2e / ceiling", "%.0f %%  (goal >= 50 %%)".formatted(100 * e2eRatio));
  }

  private void cpu(SaturationPhase.Saturation saturation, CeilingPhase.Ceiling ceiling) {
    section("CPU per payment (two cores: 2,000 ms of CPU a second)");
    row("Onceflow, saturation: stack JVM + PostgreSQL", saturation.cpuPerPayment());
    saturation.stackThreads().entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(12)
        .forEach(
            thread ->
                row(
                    "  stack JVM thread(s) \"%s\"".formatted(thread.getKey()),
                    "%.2f ms".formatted(saturation.perPayment(thread.getValue()))));
    row(
        "Onceflow, saturation: the load generator (this JVM)",
        "%.1f ms".formatted(saturation.perPayment(saturation.cpu().selfMillis())));
    double sqlMillis = ceiling.sqlMillisPerPayment();
    row(
        "SQL ceiling, full lifecycle: PostgreSQL + %s".formatted(SqlCeiling.tool()),
        "%.1f + %.1f ms (machine busy %.0f %%)"
            .formatted(
                sqlMillis, ceiling.clientMillisPerPayment(), ceiling.lifecycleCpu().busyPercent()));
    double onceflowMillis = saturation.pipelinePerPayment();
    row(
        "payments/s two cores carry at that cost",
        "Onceflow %.0f/s, its SQL alone %.0f/s (ratio %.0f %%)"
            .formatted(saturation.cpuBound(), 2000 / sqlMillis, 100 * sqlMillis / onceflowMillis));
  }

  private void naive(NaivePhase.Naive naive) {
    section(
        "Naive flow (bank call inside the request) vs async, bank at %d ms, %.0f/s"
            .formatted(NaivePhase.BANK_LATENCY_MS, plan.naiveRate()));
    row("async intake", throughput(naive.async()) + latency(naive.async().latency, true));
    row("naive", throughput(naive.naive()) + latency(naive.naive().latency, true));
    row("naive p99 / async p99", "%.1fx  (goal >= 5x)".formatted(naive.p99Ratio()));
  }

  private void fairness(Map<Fairness.Setting, Fairness.Result> fairness) {
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
  }

  private void drain(DrainPhase.Drain drain, SaturationPhase.Saturation saturation) {
    section("Draining a backlog with intake idle: completed/s and its bounds");
    row(
        "CPU bound: two cores at the saturation phase's cost",
        "%.0f payments/s (stack JVM + PostgreSQL %.1f ms a payment, intake included)"
            .formatted(drain.cpuBound(), saturation.pipelinePerPayment()));
    row(
        "bank simulator bound: %d request threads / latency"
            .formatted(DrainPhase.SIMULATOR_THREADS),
        Arrays.stream(DrainPhase.BANK_LATENCIES_MS)
            .mapToObj(
                latency ->
                    "%.0f/s at %d ms"
                        .formatted(DrainPhase.SIMULATOR_THREADS * 1000.0 / latency, latency))
            .collect(Collectors.joining(", ")));
    drain.cells().stream()
        .sorted(
            Comparator.comparingInt(DrainPhase.Cell::latencyMs)
                .thenComparingInt(DrainPhase.Cell::workers))
        .forEach(
            cell -> {
              row(cell.name(), summary(cell));
              row(
                  "  %s: CPU per payment, stack JVM + extra workers + PostgreSQL"
                      .formatted(cell.name()),
                  cpuPerPayment(cell));
            });
  }

  private static String summary(DrainPhase.Cell cell) {
    Map<String, Double> bounds = new LinkedHashMap<>();
    bounds.put("Little's law", Math.min(cell.littleBound(), cell.busiestBound()));
    bounds.put("bank simulator", cell.bankBound());
    if (Double.isFinite(cell.cpuBound())) {
      bounds.put("CPU at this cell's cost", cell.cpuBound());
    }
    Map.Entry<String, Double> lowest =
        bounds.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
    String skew =
        cell.busiestBound() < cell.littleBound()
            ? ", %.0f/s with %d of %d partitions on the busiest worker"
                .formatted(cell.busiestBound(), cell.split().busiest(), cell.split().partitions())
            : "";
    return "%.0f completed/s of a backlog of %d; Little's law bound %.0f/s (%d%s in flight / %d ms%s); in flight %s; lowest bound: %s %.0f/s"
        .formatted(
            cell.perSecond(),
            cell.backlog(),
            cell.littleBound(),
            cell.maxInFlight(),
            cell.maxInFlightRead() ? "" : " (the default: gauge not read)",
            cell.latencyMs(),
            skew,
            Double.isNaN(cell.medianInFlight())
                ? "n/a"
                : "%.0f (median)".formatted(cell.medianInFlight()),
            lowest.getKey(),
            lowest.getValue());
  }

  private static String cpuPerPayment(DrainPhase.Cell cell) {
    double per = Math.max(1, cell.completed());
    return "%.1f + %.1f + %.1f = %.1f ms over %d payments (machine busy %.0f %%); two cores carry %.0f/s at that cost"
        .formatted(
            cell.cpu().stackMillis() / per,
            cell.cpu().workersMillis() / per,
            cell.cpu().postgresMillis() / per,
            cell.millisPerPayment(),
            cell.completed(),
            cell.cpu().busyPercent(),
            cell.cpuBound());
  }

  private void peakRss(PeakRss peak) {
    section("Peak RSS (VmHWM) of every process");
    row("local stack JVM (PostgreSQL aside)", Processes.mib(peak.stackKb()));
    row(
        "PostgreSQL postmaster / largest of %d children".formatted(peak.postgresProcesses() - 1),
        Processes.mib(peak.postmasterKb()) + " / " + Processes.mib(peak.largestBackendKb()));
    row(
        "PostgreSQL, all processes (PSS now, shared buffers counted once)",
        Processes.mib(peak.postgresPssKb()));
    peak.workersKb()
        .forEach((n, kb) -> row("extra worker %d (-Xmx384m)".formatted(n), Processes.mib(kb)));
    row("benchmark JVM (load, Kafka tracker, naive server)", Processes.mib(peak.benchmarkKb()));
  }

  /** The machine first, then what the phases noted, then what every run notes. */
  private List<String> notes(Results results) {
    List<String> notes = new ArrayList<>();
    notes.add(results.machine());
    if (results.ready().flightRecording() != null) {
      notes.add(
          "--jfr: the stack JVM ran with a flight recording ("
              + results.ready().flightRecording()
              + ") and without the class-data"
              + " archive (JDK 17 crashes with both); its figures carry that overhead.");
    }
    notes.addAll(results.notes());
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
                DrainPhase.IN_FLIGHT_SAMPLE_MILLIS));
    notes.add(
        "pgbench's own processes are not sampled: it ran as a short-lived client of a few MiB.");
    notes.add("load average at end: " + results.loadAtEnd());
    return notes;
  }

  private static String throughput(HttpLoad.Run run) {
    String refused = run.refused.isEmpty() ? "" : " refused " + run.refusals() + ",";
    return "%.0f/s,%s ".formatted(run.acceptedPerSecond(), refused);
  }

  static String latency(Latencies latencies, boolean withTail) {
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
}

package dev.onceflow.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Intake driven closed-loop as hard as the clients go, every payment followed to its final event:
 * the most the pipeline carries, and what each payment costs in CPU. The draining matrix's CPU
 * bound and the before/after comparison both start from these figures.
 */
record SaturationPhase(HttpLoad intake, EventTracker events, CpuMeter cpu) {

  /**
   * The closed-loop run, its end-to-end figures, and the CPU it took until the last payment was
   * final.
   */
  record Saturation(
      HttpLoad.Run run,
      Latencies e2e,
      long completed,
      double e2ePerSecond,
      CpuMeter.Use cpu,
      Map<String, Long> stackThreads) {

    /** CPU ms per accepted payment (each one was followed until it was final). */
    double perPayment(long millis) {
      return (double) millis / Math.max(1, run.accepted.size());
    }

    /** The stack JVM's and PostgreSQL's CPU ms per payment: what the pipeline costs. */
    double pipelinePerPayment() {
      return perPayment(cpu.stackMillis() + cpu.postgresMillis());
    }

    /** Two cores (2,000 ms of CPU a second) at the pipeline's cost per payment. */
    double cpuBound() {
      return 2000 / pipelinePerPayment();
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

  Saturation measure(int clients, Duration duration, Duration drainLimit, List<String> notes)
      throws InterruptedException {
    Benchmark.progress(
        "Saturation: %d s closed-loop with %d clients", duration.toSeconds(), clients);
    CpuMeter.Use before = cpu.now();
    Map<String, Long> threadsBefore = cpu.threads();
    HttpLoad.Run run = intake.closedLoop("saturation", clients, duration);
    Latencies e2e = events.awaitFinal(run, drainLimit, notes);
    CpuMeter.Use used = cpu.now().since(before);
    Map<String, Long> threads = cpu.threadsSince(threadsBefore);
    long lastCompletion =
        run.accepted.keySet().stream()
            .map(events.completedAt::get)
            .filter(t -> t != null)
            .max(Long::compare)
            .orElse(run.endedAt);
    long completed = run.accepted.keySet().stream().filter(events.completedAt::containsKey).count();
    double e2ePerSecond = completed / ((lastCompletion - run.startedAt) / 1e9);
    Benchmark.progress(
        "  saturation: intake %.0f/s, %s; e2e %.0f completed/s",
        run.acceptedPerSecond(), Report.latency(run.latency, true), e2ePerSecond);
    Saturation saturation = new Saturation(run, e2e, completed, e2ePerSecond, used, threads);
    Benchmark.progress(
        "  saturation: CPU per payment, stack JVM + PostgreSQL: %s", saturation.cpuPerPayment());
    return saturation;
  }
}

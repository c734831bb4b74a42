package dev.onceflow.benchmark;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the stack costs while nothing happens (polling loops, timers, heartbeats), measured after
 * the warm-up: a stack that burns CPU doing nothing takes it from every other phase and from
 * whatever else runs on the machine.
 */
record IdlePhase(CpuMeter cpu) {

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

  /** Lets the JIT compilers settle (at most {@code settleLimit}), then measures {@code idle}. */
  Idle measure(Duration settleLimit, Duration idle) {
    settle(settleLimit);
    Benchmark.progress("Idle: %d s without load", idle.toSeconds());
    CpuMeter.Use before = cpu.now();
    Map<String, Long> threadsBefore = cpu.threads();
    long start = System.nanoTime();
    Benchmark.sleep(idle.toMillis());
    CpuMeter.Use used = cpu.now().since(before);
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> threads = cpu.threadsSince(threadsBefore);
    double compilers =
        threads.entrySet().stream()
                .filter(t -> CpuMeter.compiler(t.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum()
            / seconds;
    Map<String, Double> busiest = new LinkedHashMap<>();
    threads.entrySet().stream()
        .filter(t -> !CpuMeter.compiler(t.getKey()))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(5)
        .forEach(thread -> busiest.put(thread.getKey(), thread.getValue() / seconds));
    Idle result =
        new Idle(
            used.stackMillis() / seconds - compilers,
            compilers,
            used.postgresMillis() / seconds,
            busiest);
    Benchmark.progress(
        "  idle: %s; busiest stack threads (ms a second): %s", result, result.threads());
    return result;
  }

  /**
   * Waits, up to a limit, until the stack JVM's JIT compilers have compiled what the warm-up made
   * hot (under a tenth of a core, measured over 2 s): until then they take up to a core, and the
   * figures of the phases after would depend on how far they had got.
   */
  private void settle(Duration settleLimit) {
    long deadline = System.nanoTime() + settleLimit.toNanos();
    long started = System.nanoTime();
    double perSecond;
    do {
      long before = cpu.compilerMillis();
      long at = System.nanoTime();
      Benchmark.sleep(2000);
      perSecond = (cpu.compilerMillis() - before) / ((System.nanoTime() - at) / 1e9);
    } while (perSecond > 100 && System.nanoTime() < deadline);
    Benchmark.progress(
        "  JIT compilers at %.0f ms a second after %.0f s%s",
        perSecond,
        (System.nanoTime() - started) / 1e9,
        perSecond > 100
            ? " (still compiling: the limit of %d s passed)".formatted(settleLimit.toSeconds())
            : "");
  }
}

package dev.onceflow.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Before/after in one run: the same short sequence (start, warm-up, idle, saturation) against an
 * earlier build's stack jar and against this one, one after the other on the same machine. Runs
 * days apart on a shared machine differ by more than most changes do; two sides a few minutes apart
 * can be compared.
 */
record Comparison(Benchmark.Plan plan, int clients, Path work) {

  /** One side: its stack jar started, warmed up, left idle, saturated, stopped. */
  record Side(
      String label,
      StackProcess.Ready ready,
      long peakRssKb,
      IdlePhase.Idle idle,
      SaturationPhase.Saturation saturation) {}

  record Result(Path beforeJar, Path afterJar, Side before, Side after) {}

  Result measure(Path beforeJar, Path afterJar) throws Exception {
    List<Side> sides = new ArrayList<>();
    for (Path jar : List.of(beforeJar, afterJar)) {
      String label = jar.equals(beforeJar) ? "before" : "after";
      try (StackProcess stack =
          new StackProcess(jar, Files.createDirectories(work.resolve(label)), false)) {
        Benchmark.progress("Comparison, %s: %s", label, jar);
        sides.add(side(label, stack));
      }
    }
    return new Result(beforeJar, afterJar, sides.get(0), sides.get(1));
  }

  private Side side(String label, StackProcess stack) throws Exception {
    StackProcess.Ready ready = stack.start();
    HttpLoad intake = stack.demoClient(SqlCeiling.ACCOUNTS);
    // A side's notes (payments left open or failed) are not in the report, only its rows.
    List<String> notes = new ArrayList<>();
    CpuMeter cpu = new CpuMeter(stack);
    try (EventTracker events = new EventTracker(stack.kafka())) {
      Benchmark.progress(
          "%s: warm-up, %d s open-loop at %.0f/s", label, plan.warmupSeconds(), plan.warmupRate());
      Benchmark.warmUp(intake, events, plan, notes);
      IdlePhase.Idle idle =
          new IdlePhase(cpu)
              .measure(
                  Benchmark.seconds(plan.settleSeconds()), Benchmark.seconds(plan.idleSeconds()));
      SaturationPhase.Saturation saturation =
          new SaturationPhase(intake, events, cpu)
              .measure(
                  clients, Benchmark.seconds(plan.saturationSeconds()), plan.drainLimit(), notes);
      return new Side(label, ready, Processes.peakRssKb(stack.pid()), idle, saturation);
    }
  }
}

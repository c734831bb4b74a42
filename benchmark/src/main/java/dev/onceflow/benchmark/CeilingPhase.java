package dev.onceflow.benchmark;

import java.nio.file.Path;
import java.util.List;

/**
 * The product's own statements run by pgbench (or a JDBC loop) straight against the same
 * PostgreSQL, with no services in between: what the database alone carries, the yardstick the
 * report holds intake and end-to-end throughput against.
 */
record CeilingPhase(StackProcess stack, CpuMeter cpu, Path work) {

  /**
   * Transactions a second of the intake script and of the full lifecycle (NaN where one failed),
   * the CPU the lifecycle script took, and the ceiling's database, which the naive flow uses next.
   */
  record Ceiling(
      double intakeTps,
      double lifecycleTps,
      CpuMeter.Use lifecycleCpu,
      int seconds,
      String jdbcUrl) {

    private double lifecyclePayments() {
      return Math.max(1, lifecycleTps * seconds);
    }

    /** PostgreSQL's CPU ms per payment of the lifecycle script. */
    double sqlMillisPerPayment() {
      return lifecycleCpu.postgresMillis() / lifecyclePayments();
    }

    /** The client's (pgbench's, or this JVM's JDBC loop's) CPU ms per payment. */
    double clientMillisPerPayment() {
      return lifecycleCpu.selfMillis() / lifecyclePayments();
    }
  }

  Ceiling measure(int clients, int seconds, List<String> notes) throws Exception {
    Benchmark.progress(
        "SQL ceiling: %s, %d clients, %d s per script", SqlCeiling.tool(), clients, seconds);
    SqlCeiling ceiling = new SqlCeiling(stack.postgresPort, StackProcess.DB_USER);
    ceiling.prepare(stack.jdbcUrl());
    double intake =
        run(ceiling, "ceiling-intake", SqlCeiling.intakeScript(), clients, seconds, notes);
    Benchmark.progress("  intake statements: %.0f tps", intake);
    CpuMeter.Use before = cpu.now();
    double lifecycle =
        run(ceiling, "ceiling-lifecycle", SqlCeiling.lifecycleScript(), clients, seconds, notes);
    CpuMeter.Use used = cpu.now().since(before);
    Benchmark.progress("  full lifecycle: %.0f payments/s", lifecycle);
    return new Ceiling(intake, lifecycle, used, seconds, ceiling.jdbcUrl());
  }

  /** One ceiling script; a failure is reported in the notes rather than ending the run. */
  private double run(
      SqlCeiling ceiling,
      String name,
      String script,
      int clients,
      int seconds,
      List<String> notes) {
    try {
      return ceiling.run(name, script, clients, seconds, work);
    } catch (Exception e) {
      notes.add(name + " failed: " + e.getMessage());
      return Double.NaN;
    }
  }
}

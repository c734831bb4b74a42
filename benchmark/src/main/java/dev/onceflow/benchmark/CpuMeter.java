package dev.onceflow.benchmark;

import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the stack's processes from /proc, read before and after a phase: the report's CPU per
 * payment and idle figures are differences of these readings, so every phase reads the same
 * processes the same way. Thread names are grouped (pools summed, the stack's ports named) so that
 * a phase's busiest threads can be listed.
 */
final class CpuMeter {

  /**
   * What the JIT compiler threads' names ("C2 CompilerThread0") show in /proc, cut to 15
   * characters.
   */
  private static final String JIT_COMPILERS = "CompilerThre";

  /**
   * CPU time (ms) used by the stack JVM, the extra workers' JVMs, PostgreSQL and this JVM (with
   * pgbench), and by the machine.
   */
  record Use(
      long stackMillis,
      long workersMillis,
      long postgresMillis,
      long selfMillis,
      long busyMillis,
      long totalMillis) {

    Use since(Use earlier) {
      return new Use(
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

  private final StackProcess stack;

  CpuMeter(StackProcess stack) {
    this.stack = stack;
  }

  Use now() {
    long[] machine = Processes.machineCpuMillis();
    return new Use(
        Processes.cpuMillis(stack.pid(), false),
        stack.workerPids().stream().mapToLong(pid -> Processes.cpuMillis(pid, false)).sum(),
        Processes.postgresCpuMillis(stack.postmasterPid()),
        Processes.cpuMillis(ProcessHandle.current().pid(), true),
        machine[0],
        machine[1]);
  }

  /** The stack JVM's CPU ms so far by thread name, to pass to {@link #threadsSince} later. */
  Map<String, Long> threads() {
    return Processes.threadCpuMillis(stack.pid());
  }

  /** The stack JVM's CPU ms by thread name (ports named) since {@code before} was read. */
  Map<String, Long> threadsSince(Map<String, Long> before) {
    Map<String, Long> since = new TreeMap<>();
    threads()
        .forEach(
            (name, millis) ->
                since.merge(
                    stack.portsNamed(name), millis - before.getOrDefault(name, 0L), Long::sum));
    return since;
  }

  /** The stack JVM's JIT compiler threads' CPU ms so far. */
  long compilerMillis() {
    return threads().entrySet().stream()
        .filter(thread -> compiler(thread.getKey()))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /**
   * Whether a thread is one of the JIT compilers: after a load they run for a minute or more on
   * what it made hot, which ends, so the idle figures count them apart.
   */
  static boolean compiler(String thread) {
    return thread.contains(JIT_COMPILERS);
  }
}

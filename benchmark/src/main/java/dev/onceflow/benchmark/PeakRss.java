package dev.onceflow.benchmark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every process's peak resident set, read once at the end of the run: the peaks say what the
 * machine must hold, which the RSS at ready (before any load) does not.
 *
 * @param workersKb the extra workers' peaks by worker number (the stack's own worker is 1)
 * @param postgresProcesses the postmaster and its live children
 * @param postgresPssKb PostgreSQL's proportional set now, shared buffers counted once
 */
record PeakRss(
    long stackKb,
    long postmasterKb,
    int postgresProcesses,
    long largestBackendKb,
    long postgresPssKb,
    Map<Integer, Long> workersKb,
    long benchmarkKb) {

  static PeakRss read(StackProcess stack) {
    Map<Integer, Long> workers = new LinkedHashMap<>();
    for (long pid : stack.workerPids()) {
      workers.put(workers.size() + 2, Processes.peakRssKb(pid));
    }
    long postmaster = stack.postmasterPid();
    List<Long> postgres = Processes.postgresTree(postmaster);
    return new PeakRss(
        Processes.peakRssKb(stack.pid()),
        Processes.peakRssKb(postmaster),
        postgres.size(),
        postgres.stream().skip(1).mapToLong(Processes::peakRssKb).max().orElse(0),
        postgres.stream().mapToLong(Processes::pssKb).sum(),
        workers,
        Processes.peakRssKb(ProcessHandle.current().pid()));
  }
}

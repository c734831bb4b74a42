package dev.onceflow.benchmark;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the benchmark needs from the operating system: free ports, and the memory and CPU time of
 * processes.
 */
final class Processes {

  private Processes() {}

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /** Peak resident set (VmHWM) in KiB, or 0 if the process is gone. */
  static long peakRssKb(long pid) {
    return statusField(Path.of("/proc", Long.toString(pid), "status"), "VmHWM:");
  }

  /**
   * Proportional set size in KiB: shared pages (PostgreSQL's shared buffers) split between the
   * processes that map them, so that the sum over a process tree is not counted several times.
   */
  static long pssKb(long pid) {
    return statusField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
  }

  private static long statusField(Path file, String field) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process ended, or the file is not readable: nothing to report
    }
    return 0;
  }

  /** The postmaster's pid from its pid file in the data directory, or -1. */
  static long postmasterPid(Path dataDirectory) {
    try {
      return Long.parseLong(
          Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The postmaster and every live child of it (backends, WAL writer, checkpointer...). */
  static List<Long> postgresTree(long postmaster) {
    List<Long> pids = new ArrayList<>();
    if (postmaster <= 0) {
      return pids;
    }
    pids.add(postmaster);
    ProcessHandle.of(postmaster)
        .ifPresent(p -> p.children().forEach(child -> pids.add(child.pid())));
    return pids;
  }

  /**
   * CPU time (user + system) in ms: of the process, plus, with {@code reapedChildren}, that of its
   * children that have ended (the kernel adds those to the parent once it has waited for them).
   */
  static long cpuMillis(long pid, boolean reapedChildren) {
    try {
      return cpuMillis(
          Files.readString(Path.of("/proc", Long.toString(pid), "stat")), reapedChildren);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long cpuMillis(String stat, boolean reapedChildren) {
    // Fields after the command name, which is in parentheses and may hold spaces: utime is field
    // 14 of the line, so index 11 here; stime, cutime and cstime follow.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    if (reapedChildren) {
      ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }
    return ticks * 1000 / TICKS_PER_SECOND;
  }

  /**
   * CPU time in ms of each live thread of a process, summed by thread name with short numbers made
   * {@code N} (so that a pool's threads add up; ports, of four digits or more, stay).
   */
  static Map<String, Long> threadCpuMillis(long pid) {
    Map<String, Long> byName = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name =
              stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                  .replaceAll("(?<![0-9])[0-9]{1,3}(?![0-9])", "N");
          byName.merge(name, cpuMillis(stat, false), Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    return byName;
  }

  /**
   * All of PostgreSQL's CPU so far: the postmaster's, its live children's and its ended children's.
   */
  static long postgresCpuMillis(long postmaster) {
    List<Long> tree = postgresTree(postmaster);
    long millis = 0;
    for (int i = 0; i < tree.size(); i++) {
      millis += cpuMillis(tree.get(i), i == 0);
    }
    return millis;
  }

  /**
   * The machine's busy and total CPU time in ms, over all CPUs, from the first line of /proc/stat.
   */
  static long[] machineCpuMillis() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(fields.length, 9); i++) {
        total += Long.parseLong(fields[i]); // user nice system idle iowait irq softirq steal
      }
      long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
      return new long[] {(total - idle) * 1000 / TICKS_PER_SECOND, total * 1000 / TICKS_PER_SECOND};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  // Linux reports times in /proc in USER_HZ, 100 on every architecture it runs on.
  private static final long TICKS_PER_SECOND = 100;

  static String mib(long kb) {
    return kb <= 0 ? "n/a" : "%d MiB".formatted(Math.round(kb / 1024.0));
  }
}

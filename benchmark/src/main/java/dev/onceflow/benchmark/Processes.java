package dev.onceflow.benchmark;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the benchmark needs from the operating system: free ports, and the memory of processes. */
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
      return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
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
    ProcessHandle.of(postmaster).ifPresent(p -> p.children().forEach(child -> pids.add(child.pid())));
    return pids;
  }

  static String mib(long kb) {
    return kb <= 0 ? "n/a" : "%d MiB".formatted(Math.round(kb / 1024.0));
  }
}

package dev.onceflow.system;

import dev.onceflow.infra.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL server of a data directory ({@link EmbeddedPostgresServer#runningPostmaster}): its
 * processes are not children of the JVM that started it, so killing that JVM leaves them running.
 */
final class Postmaster {

  private Postmaster() {}

  /**
   * SIGKILL to the postmaster, as a host crash: no checkpoint, no clean shutdown, so the next start
   * replays the WAL. Waits until it and its backends are gone, so that the next start finds no
   * shared memory still in use; false if there was none running.
   */
  static boolean killDashNine(Path dataDirectory) throws IOException {
    Optional<ProcessHandle> postmaster = EmbeddedPostgresServer.runningPostmaster(dataDirectory);
    if (postmaster.isEmpty()) {
      return false;
    }
    List<ProcessHandle> backends = postmaster.get().descendants().toList();
    postmaster.get().destroyForcibly();
    postmaster.get().onExit().orTimeout(30, TimeUnit.SECONDS).join();
    for (ProcessHandle backend : backends) {
      backend.onExit().orTimeout(30, TimeUnit.SECONDS).join();
    }
    return true;
  }

  /**
   * How many times PostgreSQL started on {@code dataDirectory} after a crash and replayed its WAL,
   * as its own log (in {@code <data>/log}) says.
   */
  static int crashRecoveries(Path dataDirectory) throws IOException {
    Path logs = dataDirectory.resolve("log");
    if (!Files.isDirectory(logs)) {
      return 0;
    }
    int recoveries = 0;
    try (var files = Files.list(logs)) {
      for (Path file : files.toList()) {
        recoveries +=
            Files.readString(file, StandardCharsets.UTF_8)
                    .split(java.util.regex.Pattern.quote(CRASH_RECOVERY), -1)
                    .length
                - 1;
      }
    }
    return recoveries;
  }

  /** What PostgreSQL logs when it starts on a data directory that a crash left behind. */
  private static final String CRASH_RECOVERY =
      "database system was not properly shut down; automatic recovery in progress";
}

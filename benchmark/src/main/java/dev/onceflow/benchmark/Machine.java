package dev.onceflow.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * What the figures were measured on: they only compare within one run on one machine, so the report
 * says which machine, JVM and PostgreSQL settings that was, and how loaded it was.
 */
final class Machine {

  private Machine() {}

  static String loadAverage() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  /** CPUs, memory, the JVM and the stack's PostgreSQL with its durability settings. */
  static String describe(String jdbcUrl) throws Exception {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(line -> line.startsWith("model name"))
            .findFirst()
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .orElse("?");
    String memory =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal"))
            .findFirst()
            .orElse("?");
    Process version =
        new ProcessBuilder(StackProcess.java(), "-version").redirectErrorStream(true).start();
    String javaVersion =
        new String(version.getInputStream().readAllBytes()).lines().findFirst().orElse("?");
    String postgres;
    try (Connection connection = DriverManager.getConnection(jdbcUrl, StackProcess.DB_USER, "");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT version(), current_setting('synchronous_commit'), current_setting('fsync')")) {
      rows.next();
      postgres =
          rows.getString(1).replaceAll(" on .*", "")
              + " (synchronous_commit="
              + rows.getString(2)
              + ", fsync="
              + rows.getString(3)
              + ")";
    }
    return "machine: %d CPUs (%s), %s, %s; %s"
        .formatted(
            Runtime.getRuntime().availableProcessors(),
            cpu,
            memory.replaceAll("\\s+", " "),
            javaVersion,
            postgres);
  }
}

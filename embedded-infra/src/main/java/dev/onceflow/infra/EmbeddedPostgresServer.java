package dev.onceflow.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from Maven artifacts (zonky), configured for logical replication and for
 * commits that are durable when acknowledged.
 */
public final class EmbeddedPostgresServer implements PostgresServer, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  /** The database Onceflow's services use. */
  public static final String DATABASE = "onceflow";

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code port} (0 picks a free one) with its data in {@code dataDirectory},
   * keeping any data already there, and creates the Onceflow database if it is missing.
   *
   * @param durable fsync on (the local stack); off for throw-away test data
   */
  public static EmbeddedPostgresServer start(Path dataDirectory, int port, boolean durable)
      throws IOException {
    Files.createDirectories(dataDirectory);
    stopOrphanedServer(dataDirectory);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("wal_level", "logical")
            .setServerConfig("max_replication_slots", "10")
            .setServerConfig("max_wal_senders", "10")
            .setServerConfig("max_connections", "300")
            // PostgreSQL's own log (crash recovery, checkpoints, errors) in <data>/log, for
            // operators.
            .setServerConfig("logging_collector", "on")
            // zonky turns this off; an acknowledged payment must survive and CDC must not lag.
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", durable ? "on" : "off")
            .setServerConfig("full_page_writes", durable ? "on" : "off");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(builder.start());
    server.createDatabaseIfMissing();
    return server;
  }

  /**
   * The postmaster running on {@code dataDirectory}, as its {@code postmaster.pid} names it; its
   * processes are not children of the JVM that started it.
   */
  public static Optional<ProcessHandle> runningPostmaster(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
    return lines.isEmpty()
        ? Optional.empty()
        : ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
  }

  /**
   * A {@code kill -9} of the JVM that started PostgreSQL leaves the server running on the data
   * directory; a new start would fail on its lock. Ask that orphan for a fast shutdown first.
   */
  public static void stopOrphanedServer(Path dataDirectory) throws IOException {
    Optional<ProcessHandle> orphan = runningPostmaster(dataDirectory);
    if (orphan.isEmpty()) {
      return;
    }
    long pid = orphan.get().pid();
    log.warn(
        "PostgreSQL (pid {}) still runs on {} from an earlier start; stopping it",
        pid,
        dataDirectory);
    try {
      // SIGINT is PostgreSQL's fast shutdown: clean, and it does not wait for clients.
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      orphan.get().onExit().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping PostgreSQL " + pid, e);
    } catch (ExecutionException | TimeoutException e) {
      // checked below
    }
    if (orphan.get().isAlive()) {
      throw new IOException("PostgreSQL " + pid + " on " + dataDirectory + " did not stop");
    }
  }

  private void createDatabaseIfMissing() throws IOException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      var exists =
          statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
      if (!exists.next()) {
        statement.execute("CREATE DATABASE " + DATABASE);
      }
    } catch (SQLException e) {
      throw new IOException("cannot create database " + DATABASE, e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  @Override
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port() + "/" + database;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}

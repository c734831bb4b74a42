package dev.onceflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One PostgreSQL and one Kafka broker per test JVM, started on first use on free ports with
 * throw-away data, and stopped when the JVM exits. Integration tests share them so that each test
 * class does not pay the start-up again.
 */
public final class SharedTestInfrastructure {

  private static EmbeddedPostgresServer postgres;
  private static InProcessKafka kafka;

  private SharedTestInfrastructure() {}

  /** The shared PostgreSQL, started if needed. */
  public static synchronized EmbeddedPostgresServer postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgresServer.start(tempDirectory("pg"), 0, false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(SharedTestInfrastructure::closePostgres));
    }
    return postgres;
  }

  /** The shared Kafka broker, started if needed. */
  public static synchronized InProcessKafka kafka() {
    if (kafka == null) {
      try {
        kafka = InProcessKafka.start(tempDirectory("kafka"), 0, 0);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the in-process Kafka broker", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
    }
    return kafka;
  }

  /** A free local TCP port. */
  public static int freePort() {
    try {
      return InProcessKafka.FreePorts.find();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closePostgres() {
    try {
      postgres.close();
    } catch (IOException e) {
      // the JVM is exiting; nothing left to protect
    }
  }

  private static Path tempDirectory(String name) throws IOException {
    Path dir = Files.createTempDirectory("onceflow-test-" + name);
    dir.toFile().deleteOnExit();
    return dir;
  }
}

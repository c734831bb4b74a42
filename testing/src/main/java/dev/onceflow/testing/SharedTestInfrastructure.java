package dev.onceflow.testing;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.FreePorts;
import dev.onceflow.infra.InProcessKafka;
import dev.onceflow.infra.KafkaBroker;
import dev.onceflow.infra.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * One PostgreSQL and one Kafka broker per test JVM, started on first use with throw-away data, and
 * stopped when the JVM exits. Integration tests share them so that each test class does not pay the
 * start-up again.
 *
 * <p>Embedded by default (zonky PostgreSQL, an in-process KRaft broker, on free ports). With the
 * system property {@value #BACKEND_PROPERTY} (or the environment variable {@value #BACKEND_ENV})
 * set to {@code containers}, they run as Docker containers instead ({@link
 * ContainerInfrastructure}); Maven's {@code -Pcontainers} sets it.
 */
public final class SharedTestInfrastructure {

  public static final String BACKEND_PROPERTY = "onceflow.test.infrastructure";
  public static final String BACKEND_ENV = "ONCEFLOW_TEST_INFRASTRUCTURE";

  /** Where the shared servers run. */
  public enum Backend {
    EMBEDDED,
    CONTAINERS
  }

  private static PostgresServer postgres;
  private static KafkaBroker kafka;

  private SharedTestInfrastructure() {}

  /**
   * The backend this JVM was asked for: the system property, else the environment, else embedded.
   */
  public static Backend backend() {
    String chosen = System.getProperty(BACKEND_PROPERTY, System.getenv(BACKEND_ENV));
    if (chosen == null || chosen.isBlank()) {
      return Backend.EMBEDDED;
    }
    try {
      return Backend.valueOf(chosen.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          BACKEND_PROPERTY + " must be 'embedded' or 'containers', not '" + chosen + "'", e);
    }
  }

  /** The shared PostgreSQL, started if needed. */
  public static synchronized PostgresServer postgres() {
    if (postgres == null) {
      if (backend() == Backend.CONTAINERS) {
        requireDocker();
        ContainerInfrastructure.PostgresContainer container =
            ContainerInfrastructure.startPostgres();
        postgres = container;
        Runtime.getRuntime().addShutdownHook(new Thread(container::close));
      } else {
        EmbeddedPostgresServer embedded;
        try {
          embedded = EmbeddedPostgresServer.start(tempDirectory("pg"), 0, false);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        postgres = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(embedded)));
      }
    }
    return postgres;
  }

  /** The shared PostgreSQL if this JVM started it; empty otherwise (nothing is started). */
  public static synchronized Optional<PostgresServer> startedPostgres() {
    return Optional.ofNullable(postgres);
  }

  /** The shared Kafka broker, started if needed. */
  public static synchronized KafkaBroker kafka() {
    if (kafka == null) {
      if (backend() == Backend.CONTAINERS) {
        requireDocker();
        ContainerInfrastructure.KafkaContainerBroker container =
            ContainerInfrastructure.startKafka();
        kafka = container;
        Runtime.getRuntime().addShutdownHook(new Thread(container::close));
      } else {
        InProcessKafka embedded;
        try {
          embedded = InProcessKafka.start(tempDirectory("kafka"), 0, 0);
        } catch (Exception e) {
          throw new IllegalStateException("cannot start the in-process Kafka broker", e);
        }
        kafka = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
      }
    }
    return kafka;
  }

  /** A free local TCP port. */
  public static int freePort() {
    return FreePorts.find();
  }

  /**
   * Containers were asked for explicitly: without Docker, running the suite on the embedded servers
   * instead would pass while proving nothing about the containers, so refuse loudly.
   */
  private static void requireDocker() {
    ContainerInfrastructure.unavailableReason()
        .ifPresent(
            reason -> {
              throw new IllegalStateException(
                  BACKEND_PROPERTY
                      + "=containers, but "
                      + reason
                      + "; run without -Pcontainers to use the embedded servers");
            });
  }

  private static void closeQuietly(EmbeddedPostgresServer server) {
    try {
      server.close();
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

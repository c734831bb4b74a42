package dev.onceflow.testing;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.KafkaBroker;
import dev.onceflow.infra.PostgresServer;
import java.time.Duration;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL and Kafka in Docker containers (Testcontainers), configured like their embedded
 * counterparts, for running the integration suite against the images a deployment uses. Needs the
 * optional Testcontainers dependencies of this module on the classpath ({@code -Pcontainers}).
 */
public final class ContainerInfrastructure {

  /** The PostgreSQL major version of the embedded binaries. */
  public static final String POSTGRES_IMAGE = "postgres:17";

  /** The Kafka version of the clients Spring Boot manages. */
  public static final String KAFKA_IMAGE = "apache/kafka:4.1.2";

  private ContainerInfrastructure() {}

  /** Why containers cannot run here, or empty when a Docker engine answers. */
  public static Optional<String> unavailableReason() {
    try {
      if (DockerClientFactory.instance().isDockerAvailable()) {
        return Optional.empty();
      }
      return Optional.of(
          "no Docker engine is reachable (Testcontainers found no working environment)");
    } catch (RuntimeException | LinkageError e) {
      return Optional.of("Docker cannot be checked: " + e);
    }
  }

  /** Starts a PostgreSQL container; stopped when the JVM exits (or by closing it). */
  public static PostgresContainer startPostgres() {
    PostgreSQLContainer container =
        new PostgreSQLContainer(POSTGRES_IMAGE)
            .withDatabaseName(EmbeddedPostgresServer.DATABASE)
            .withUsername(PostgresServer.USER)
            // The embedded server trusts local connections; tests and services connect without a
            // password, and so they may here.
            .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust");
    container.setCommand(
        "postgres",
        "-c",
        "wal_level=logical",
        "-c",
        "max_replication_slots=10",
        "-c",
        "max_wal_senders=10",
        "-c",
        "max_connections=300",
        "-c",
        "synchronous_commit=on",
        // Throw-away test data, as with the embedded test server.
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off");
    container.withStartupTimeout(Duration.ofMinutes(2)).start();
    return new PostgresContainer(container);
  }

  /** Starts a single-node KRaft Kafka container; stopped when the JVM exits (or by closing it). */
  public static KafkaContainerBroker startKafka() {
    KafkaContainer container =
        new KafkaContainer(KAFKA_IMAGE)
            // As the in-process broker: six partitions per topic, no rebalance delay.
            .withEnv("KAFKA_NUM_PARTITIONS", "6")
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    container.withStartupTimeout(Duration.ofMinutes(2)).start();
    return new KafkaContainerBroker(container);
  }

  /** A running PostgreSQL container. */
  public static final class PostgresContainer implements PostgresServer, AutoCloseable {
    private final PostgreSQLContainer container;

    private PostgresContainer(PostgreSQLContainer container) {
      this.container = container;
    }

    @Override
    public String jdbcUrl(String database) {
      return "jdbc:postgresql://"
          + container.getHost()
          + ":"
          + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT)
          + "/"
          + database;
    }

    @Override
    public void close() {
      container.stop();
    }
  }

  /** A running Kafka container. */
  public static final class KafkaContainerBroker implements KafkaBroker, AutoCloseable {
    private final KafkaContainer container;

    private KafkaContainerBroker(KafkaContainer container) {
      this.container = container;
    }

    @Override
    public String bootstrapServers() {
      return container.getBootstrapServers();
    }

    @Override
    public void close() {
      container.stop();
    }
  }
}

package dev.onceflow.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.onceflow.infra.PostgresServer;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container backend of {@link SharedTestInfrastructure} (-Pcontainers): the PostgreSQL and
 * Kafka images start configured as the services need them. Runs wherever a Docker engine answers,
 * whatever the backend chosen for the rest of the suite; skipped elsewhere.
 */
class ContainerInfrastructureIT {

  private static Optional<String> unavailable;

  @BeforeAll
  static void lookForDocker() {
    unavailable = ContainerInfrastructure.unavailableReason();
  }

  /** Per test, not in @BeforeAll: then each test is reported skipped with the reason. */
  @BeforeEach
  void requireDocker() {
    assumeTrue(
        unavailable.isEmpty(),
        () -> "Skipped: the container backend needs Docker, and " + unavailable.orElseThrow());
  }

  @Test
  void postgresContainerTakesTheSchemaAndReplicatesLogically() throws Exception {
    try (ContainerInfrastructure.PostgresContainer postgres =
        ContainerInfrastructure.startPostgres()) {
      var result =
          Flyway.configure()
              .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
              .locations("classpath:db/migration")
              .load()
              .migrate();

      assertThat(result.success).isTrue();
      assertThat(result.migrationsExecuted).isPositive();
      try (var connection =
              DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
          var statement = connection.createStatement()) {
        var walLevel = statement.executeQuery("SHOW wal_level");
        walLevel.next();
        assertThat(walLevel.getString(1)).isEqualTo("logical");
        var outbox = statement.executeQuery("SELECT count(*) FROM outbox");
        outbox.next();
        assertThat(outbox.getLong(1)).isZero();
      }
    }
  }

  @Test
  void kafkaContainerDeliversWhatItAcknowledged() throws Exception {
    try (ContainerInfrastructure.KafkaContainerBroker kafka =
        ContainerInfrastructure.startKafka()) {
      try (var producer =
          new KafkaProducer<String, String>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  ProducerConfig.ACKS_CONFIG,
                  "all",
                  ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                  StringSerializer.class,
                  ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                  StringSerializer.class))) {
        producer.send(new ProducerRecord<>("container-check", "k", "v")).get();
      }
      List<ConsumerRecord<String, String>> received = new ArrayList<>();
      try (var consumer =
          new KafkaConsumer<String, String>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  ConsumerConfig.GROUP_ID_CONFIG,
                  "container-check",
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                  "earliest",
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                  StringDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                  StringDeserializer.class))) {
        consumer.subscribe(List.of("container-check"));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                  return !received.isEmpty();
                });
      }
      assertThat(received)
          .singleElement()
          .satisfies(
              record -> {
                assertThat(record.key()).isEqualTo("k");
                assertThat(record.value()).isEqualTo("v");
              });
    }
  }
}

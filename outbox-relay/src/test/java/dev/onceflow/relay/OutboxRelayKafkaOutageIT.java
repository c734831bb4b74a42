package dev.onceflow.relay;

import static dev.onceflow.relay.ConsumedEvents.DELIVERY;
import static dev.onceflow.relay.OutboxRows.requestedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.InProcessKafka;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay loses its Kafka broker while rows keep being committed, then gets it back. Runs on a
 * broker and a database of its own (the shared ones must stay up for other tests), restarting the
 * broker on the same ports and log.
 */
class OutboxRelayKafkaOutageIT {

  private static final String DATABASE = "relay_outage";

  private InProcessKafka kafka;

  @AfterEach
  void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void republishesRowsCommittedWhileKafkaWasUnreachableOnceItIsBack() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    String jdbcUrl = createDatabase(postgres);
    Path kafkaLog = Files.createTempDirectory("onceflow-test-relay-outage-kafka");
    int kafkaPort = SharedTestInfrastructure.freePort();
    int controllerPort = SharedTestInfrastructure.freePort();
    kafka = InProcessKafka.start(kafkaLog, kafkaPort, controllerPort);
    OutboxRows outbox = new OutboxRows(jdbcUrl);

    Map<String, String> properties =
        Map.of(
            "spring.datasource.url",
            jdbcUrl,
            "spring.kafka.bootstrap-servers",
            kafka.bootstrapServers(),
            "onceflow.relay.slot-name",
            DATABASE,
            "onceflow.relay.delivery-timeout",
            "3s",
            "onceflow.relay.restart-delay",
            "200ms",
            "onceflow.relay.stop-timeout",
            "10s");
    try (RunningRelay relay = RunningRelay.start(properties);
        ConsumedEvents received = ConsumedEvents.subscribe(kafka.bootstrapServers())) {
      List<TransactionEvent> beforeOutage = requestedEvents(3);
      outbox.writeEachInItsOwnTransaction(beforeOutage);
      received.awaitAll(beforeOutage);

      kafka.close();
      kafka = null;
      List<TransactionEvent> duringOutage = requestedEvents(3);
      outbox.writeEachInItsOwnTransaction(duringOutage);
      await().atMost(DELIVERY).until(() -> !relay.healthy());
      assertThat(relay.health().body()).contains("RESTARTING");

      kafka = InProcessKafka.start(kafkaLog, kafkaPort, controllerPort);

      received.awaitAll(duringOutage);
      await().atMost(DELIVERY).until(relay::healthy);
      assertThat(relay.restarts()).isPositive();
      for (TransactionEvent event : beforeOutage) {
        assertThat(received.of(event)).hasSize(1);
      }
      for (TransactionEvent event : duringOutage) {
        assertThat(received.of(event)).hasSize(1);
      }
    }
  }

  private static String createDatabase(PostgresServer postgres) throws Exception {
    try (var connection = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        var statement = connection.createStatement()) {
      var exists =
          statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
      if (!exists.next()) {
        statement.execute("CREATE DATABASE " + DATABASE);
      }
    }
    return postgres.jdbcUrl(DATABASE);
  }
}

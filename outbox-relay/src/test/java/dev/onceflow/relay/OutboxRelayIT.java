package dev.onceflow.relay;

import static dev.onceflow.relay.ConsumedEvents.DELIVERY;
import static dev.onceflow.relay.ConsumedEvents.header;
import static dev.onceflow.relay.ConsumedEvents.ids;
import static dev.onceflow.relay.OutboxRows.event;
import static dev.onceflow.relay.OutboxRows.json;
import static dev.onceflow.relay.OutboxRows.requestedEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.model.EventType;
import dev.onceflow.model.Topics;
import dev.onceflow.model.TransactionEvent;
import dev.onceflow.testing.SharedTestInfrastructure;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The relay against the shared PostgreSQL (logical replication) and Kafka broker. */
class OutboxRelayIT {

  private static String bootstrapServers;
  private static Map<String, String> connections;
  private static OutboxRows outbox;

  @BeforeAll
  static void startInfrastructure() {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    bootstrapServers = SharedTestInfrastructure.kafka().bootstrapServers();
    connections =
        Map.of(
            "spring.datasource.url",
            postgres.jdbcUrl(),
            "spring.kafka.bootstrap-servers",
            bootstrapServers);
    outbox = new OutboxRows(postgres.jdbcUrl());
  }

  @Test
  void publishesEachOutboxRowToItsTopicWithKeyPayloadAndEventType() throws Exception {
    try (RunningRelay relay = RunningRelay.start(connections);
        ConsumedEvents received = ConsumedEvents.subscribe(bootstrapServers)) {
      UUID transactionId = UUID.randomUUID();
      List<TransactionEvent> events =
          List.of(
              event(EventType.TRANSACTION_REQUESTED, transactionId),
              event(EventType.TRANSACTION_COMPLETED, transactionId),
              event(EventType.TRANSACTION_REQUESTED, UUID.randomUUID()),
              event(EventType.TRANSACTION_FAILED, UUID.randomUUID()));
      outbox.writeInOneTransaction(events.subList(0, 2));
      outbox.writeInOneTransaction(events.subList(2, 4));

      received.awaitAll(events);

      for (TransactionEvent event : events) {
        ConsumerRecord<String, String> record = received.only(event);
        String topic =
            event.eventType() == EventType.TRANSACTION_REQUESTED
                ? Topics.TRANSACTION_REQUESTED
                : Topics.TRANSACTION_EVENTS;
        assertThat(record.topic()).isEqualTo(topic);
        assertThat(record.key()).isEqualTo(event.transactionId().toString());
        // PostgreSQL returns jsonb in its own layout: same JSON, not the same text.
        assertThat(json.readValue(record.value(), TransactionEvent.class)).isEqualTo(event);
        assertThat(header(record, "eventType")).isEqualTo(event.type());
        assertThat(header(record, "id")).isEqualTo(event.eventId().toString());
      }
      // Counted on acknowledgement, which may come just after the consumer saw the record.
      await().atMost(DELIVERY).until(relay::published, count -> count >= events.size());
      assertThat(relay.published()).isEqualTo(events.size());
      Timer commitToAck =
          relay.meters().get("onceflow.relay.publish.latency").tag("since", "commit").timer();
      assertThat(commitToAck.count()).isEqualTo(events.size());
      assertThat(relay.health().body()).contains("lastCommitToAckMillis", "lastPublishedAt");
    }
  }

  @Test
  void deliversRowsCommittedWhileStoppedWithoutResendingEarlierOnes() throws Exception {
    try (ConsumedEvents received = ConsumedEvents.subscribe(bootstrapServers)) {
      List<TransactionEvent> beforeStop = requestedEvents(5);
      try (RunningRelay relay = RunningRelay.start(connections)) {
        outbox.writeEachInItsOwnTransaction(beforeStop);
        received.awaitAll(beforeStop);
      }
      Map<TopicPartition, Long> endBeforeRestart = received.readToEnd();

      List<TransactionEvent> whileStopped = requestedEvents(5);
      outbox.writeEachInItsOwnTransaction(whileStopped);
      try (RunningRelay relay = RunningRelay.start(connections)) {
        received.awaitAll(whileStopped);
      }
      // Stopped, its producer closed: everything the second relay published is in the log now.
      received.readToEnd();

      assertThat(received.after(endBeforeRestart))
          .as("records published after the restart")
          .extracting(record -> header(record, "id"))
          .containsExactlyInAnyOrderElementsOf(ids(whileStopped));
      for (TransactionEvent event : beforeStop) {
        assertThat(received.of(event)).hasSize(1);
      }
    }
  }

  @Test
  void aStandbyTakesOverWhenTheActiveRelayDiesWithoutLosingEvents() throws Exception {
    try (ConsumedEvents received = ConsumedEvents.subscribe(bootstrapServers);
        RunningRelay active = RunningRelay.start(connections);
        RunningRelay standby = RunningRelay.start(connections)) {
      await().atMost(DELIVERY).until(() -> active.state().equals("RUNNING"));
      await().atMost(DELIVERY).until(() -> standby.state().equals("STANDBY"));
      List<TransactionEvent> beforeFailover = requestedEvents(5);
      outbox.writeEachInItsOwnTransaction(beforeFailover);
      received.awaitAll(beforeFailover);

      // What PostgreSQL sees when the active relay's process dies: its sessions end, which frees
      // the advisory lock and the replication slot.
      outbox.terminateRelaySessions();
      List<TransactionEvent> duringFailover = requestedEvents(5);
      outbox.writeEachInItsOwnTransaction(duringFailover);

      await().atMost(Duration.ofSeconds(15)).until(() -> standby.state().equals("RUNNING"));
      received.awaitAll(duringFailover);
      await().atMost(DELIVERY).until(() -> active.state().equals("STANDBY"));
      assertThat(standby.published()).isGreaterThanOrEqualTo(duringFailover.size());
    }
  }

  @Test
  void heartbeatsLetTheSlotAdvanceWhileTheOutboxIsIdle() throws Exception {
    Map<String, String> withFastHeartbeat = new java.util.HashMap<>(connections);
    withFastHeartbeat.put("onceflow.relay.heartbeat-interval", "500ms");
    try (RunningRelay relay = RunningRelay.start(withFastHeartbeat)) {
      // WAL from tables outside the publication: without heartbeats the slot would keep all of it.
      String walAfterOtherWrites = outbox.writeWalOutsideTheOutbox();

      await().atMost(DELIVERY).until(() -> outbox.slotConfirmedPast(walAfterOtherWrites));
      assertThat(relay.health().body()).contains("retainedWalBytes");
    }
  }
}

package dev.onceflow.relay.cdc;

import dev.onceflow.model.OutboxSpanContext;
import dev.onceflow.model.Topics;
import dev.onceflow.relay.RelayProperties;
import java.util.Properties;

/**
 * The Debezium engine configuration that streams the outbox table through the Outbox Event Router.
 */
public final class OutboxConnectorConfig {

  /** Part of every stored offset's key: renaming it makes the engine forget its position. */
  public static final String ENGINE_NAME = "onceflow-outbox-relay";

  public static final String OUTBOX_TABLE = "public.outbox";

  /** Updated at every heartbeat so that the slot advances while the outbox is idle. */
  public static final String HEARTBEAT_TABLE = "public.relay_heartbeat";

  /** Name of the header that carries the outbox row's {@code type} column. */
  public static final String EVENT_TYPE_HEADER = "eventType";

  private static final long OFFSET_FLUSH_TIMEOUT_MS = 5000;

  private OutboxConnectorConfig() {}

  /**
   * @param password may be empty (trust authentication, as in the embedded PostgreSQL)
   */
  public static Properties build(
      RelayProperties relay,
      PostgresLocation database,
      String user,
      String password,
      String bootstrapServers) {
    Properties props = new Properties();
    props.setProperty("name", ENGINE_NAME);
    props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    props.setProperty("database.hostname", database.host());
    props.setProperty("database.port", Integer.toString(database.port()));
    props.setProperty("database.dbname", database.database());
    props.setProperty("database.user", user);
    if (password != null && !password.isEmpty()) {
      props.setProperty("database.password", password);
    }
    // Only names the (unused) change-event topics and the offset key; routing is the SMT's job.
    props.setProperty("topic.prefix", "onceflow");

    props.setProperty("plugin.name", "pgoutput");
    props.setProperty("slot.name", relay.slotName());
    props.setProperty("publication.name", relay.publicationName());
    // The publication comes with the schema (V9__service_roles.sql): creating or altering one takes
    // ownership of its tables, which the relay's role does not have.
    props.setProperty("publication.autocreate.mode", "disabled");
    props.setProperty("table.include.list", OUTBOX_TABLE + "," + HEARTBEAT_TABLE);
    // Rows live only inside their writing transaction, so a snapshot would find nothing.
    props.setProperty("snapshot.mode", "no_data");
    // Every outbox row is deleted in the transaction that inserted it: only the insert is an
    // event. (Updates are kept: the heartbeat row is updated, and outbox rows never are.)
    props.setProperty("skipped.operations", "d,t");
    props.setProperty("tombstones.on.delete", "false");
    props.setProperty("poll.interval.ms", Long.toString(relay.pollInterval().toMillis()));
    if (!relay.heartbeatInterval().isZero()) {
      props.setProperty(
          "heartbeat.interval.ms", Long.toString(relay.heartbeatInterval().toMillis()));
      props.setProperty(
          "heartbeat.action.query",
          "UPDATE " + HEARTBEAT_TABLE + " SET beat_at = now() WHERE id = 1");
    }

    // Offsets in Kafka, next to the events: they survive the relay's host, unlike a local file.
    props.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
    props.setProperty("offset.storage.topic", relay.offsetTopic());
    props.setProperty("offset.storage.partitions", "1");
    props.setProperty(
        "offset.storage.replication.factor", Short.toString(relay.offsetTopicReplicationFactor()));
    props.setProperty(
        "offset.flush.interval.ms", Long.toString(relay.offsetFlushInterval().toMillis()));
    props.setProperty("offset.flush.timeout.ms", Long.toString(OFFSET_FLUSH_TIMEOUT_MS));
    props.setProperty("bootstrap.servers", bootstrapServers);
    // How long the engine waits for its task to start or stop. Stopping after Kafka went away
    // waits here (the task reads its last offsets from Kafka to confirm them to PostgreSQL), and
    // the default of 40 s only delays the restart.
    props.setProperty("task.management.timeout.ms", "15000");
    // Read by the offset store's producer (it gets the whole engine configuration). Its default,
    // 60 s waiting for metadata, would hold an engine that failed because Kafka is away in its
    // shutdown for a minute before it reaches the restart.
    props.setProperty("max.block.ms", Long.toString(OFFSET_FLUSH_TIMEOUT_MS));

    props.setProperty("transforms", "outbox");
    // Only outbox rows are events; heartbeat rows pass untouched and are never published.
    props.setProperty("transforms.outbox.predicate", "isOutbox");
    props.setProperty("predicates", "isOutbox");
    props.setProperty(
        "predicates.isOutbox.type",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
    props.setProperty("predicates.isOutbox.pattern", "onceflow\\.public\\.outbox");
    props.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
    props.setProperty("transforms.outbox.route.by.field", "aggregatetype");
    props.setProperty(
        "transforms.outbox.route.topic.replacement", Topics.PREFIX + "${routedByValue}");
    props.setProperty("transforms.outbox.table.field.event.id", "id");
    props.setProperty("transforms.outbox.table.field.event.key", "aggregateid");
    props.setProperty("transforms.outbox.table.field.event.payload", "payload");
    // The payload is published as the JSON text PostgreSQL returns for the jsonb column.
    props.setProperty("transforms.outbox.table.expand.json.payload", "false");
    props.setProperty(
        "transforms.outbox.table.fields.additional.placement", "type:header:" + EVENT_TYPE_HEADER);
    props.setProperty("transforms.outbox.route.tombstone.on.empty.payload", "false");
    // The writer's trace context (OutboxSpanContext) becomes the record's traceparent header,
    // through
    // the OpenTelemetry that DebeziumTracing installs. Rows without one (the sweeper's) are left
    // alone rather than given a fresh trace of their own.
    props.setProperty("transforms.outbox.tracing.span.context.field", OutboxSpanContext.COLUMN);
    props.setProperty("transforms.outbox.tracing.with.context.field.only", "true");
    return props;
  }
}

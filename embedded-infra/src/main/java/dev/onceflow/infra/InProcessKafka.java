package dev.onceflow.infra;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker (combined KRaft broker and controller, Apache Kafka's own server classes) in
 * this JVM, on fixed ports so that other processes can connect to it.
 */
public final class InProcessKafka implements KafkaBroker, AutoCloseable {

  private final KafkaRaftServer server;
  private final int port;

  private InProcessKafka(KafkaRaftServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a single-node cluster whose log lives in {@code logDirectory}; an existing log is kept,
   * so topics and committed offsets survive a restart.
   *
   * @param port the client (PLAINTEXT) port; 0 picks a free one
   * @param controllerPort the KRaft controller port; 0 picks a free one
   */
  public static InProcessKafka start(Path logDirectory, int port, int controllerPort)
      throws Exception {
    return start(logDirectory, port, controllerPort, 0);
  }

  /**
   * Like {@link #start(Path, int, int)}, but clients are told to connect to {@code advertisedPort}
   * (0: the client port), for a proxy in front of the broker.
   */
  public static InProcessKafka start(
      Path logDirectory, int port, int controllerPort, int advertisedPort) throws Exception {
    int clientPort = port > 0 ? port : FreePorts.find();
    int quorumPort = controllerPort > 0 ? controllerPort : FreePorts.find();
    Files.createDirectories(logDirectory);
    String dir = logDirectory.toAbsolutePath().toString();

    Properties config = new Properties();
    config.put("process.roles", "broker,controller");
    config.put("node.id", "1");
    config.put("controller.quorum.voters", "1@localhost:" + quorumPort);
    config.put(
        "listeners",
        "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + quorumPort);
    config.put(
        "advertised.listeners",
        "PLAINTEXT://localhost:" + (advertisedPort > 0 ? advertisedPort : clientPort));
    config.put("controller.listener.names", "CONTROLLER");
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.put("log.dirs", dir);
    config.put("num.partitions", "6");
    config.put("offsets.topic.replication.factor", "1");
    config.put("offsets.topic.num.partitions", "6");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    KafkaConfig kafkaConfig = KafkaConfig.fromProps(config, false);

    if (!Files.exists(logDirectory.resolve("meta.properties"))) {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setClusterId(Uuid.randomUuid().toString())
          .setNodeId(1)
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(dir)
          .setDirectories(List.of(dir))
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .run();
    }
    KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    server.startup();
    return new InProcessKafka(server, clientPort);
  }

  public int port() {
    return port;
  }

  @Override
  public String bootstrapServers() {
    return "localhost:" + port;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }
}

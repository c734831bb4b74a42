package dev.onceflow.system;

import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.model.ReadyLine;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Onceflow as it is deployed: PostgreSQL, Kafka, the bank, two intake-api, two outbox-relay and
 * three bank-worker, each its own OS process on fixed ports, so that any of them can be killed with
 * SIGKILL and started again where it was. The services reach PostgreSQL, Kafka and the bank through
 * a {@link TcpProxy} each (Kafka advertises its proxy's port), so that those links can misbehave;
 * the campaign's own checks connect to PostgreSQL and the bank directly, and to Kafka through its
 * proxy once the links are healed.
 */
final class CampaignCluster implements AutoCloseable {

  static final String POSTGRES = "postgres";
  static final String KAFKA = "kafka";
  static final String BANK = "bank-simulator";

  /**
   * Not a process: whichever relay streams at the time of the kill (its kill is the duplicate
   * window).
   */
  static final String ACTIVE_RELAY = "the active outbox-relay";

  /** How {@link #restartUntilReady} ended. */
  enum Restart {
    READY,
    /** Killed again while it was starting: the next restart is that kill's. */
    SUPERSEDED
  }

  /** One process of the cluster and how to tell it is ready. */
  private record Component(String name, JarProcess process, Callable<Boolean> ready) {}

  private final Path directory;
  private final Path data;
  private final int postgresPort = SharedTestInfrastructure.freePort();
  private final int kafkaPort = SharedTestInfrastructure.freePort();
  private final int kafkaControllerPort = SharedTestInfrastructure.freePort();
  private final int bankPort = SharedTestInfrastructure.freePort();
  // The links the services use, by what they lead to.
  private final Map<String, TcpProxy> links = new LinkedHashMap<>();
  // Kills so far, by process: a restart knows whether it has been overtaken by a later kill.
  private final Map<String, Integer> generations = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Integer> intakePorts = new ArrayList<>();
  private final Map<String, Integer> relayPorts = new LinkedHashMap<>();
  // In start order: infrastructure first, so closing in reverse stops services before it.
  private final Map<String, Component> components = new LinkedHashMap<>();

  CampaignCluster(Path directory) {
    this.directory = directory;
    this.data = directory.resolve("data");
  }

  /** Starts every process and waits until each is ready (the relays: one RUNNING, one STANDBY). */
  CampaignCluster start(int intakes, int relays, int workers) throws IOException {
    TcpProxy postgresLink = link(POSTGRES, postgresPort);
    TcpProxy kafkaLink = link(KAFKA, kafkaPort);
    TcpProxy bankLink = link(BANK, bankPort);
    String jdbcUrl =
        "jdbc:postgresql://localhost:"
            + postgresLink.port()
            + "/"
            + EmbeddedPostgresServer.DATABASE;
    String kafka = "localhost:" + kafkaLink.port();
    String bank = "http://localhost:" + bankLink.port();
    add(
        POSTGRES,
        "128m",
        () -> canConnect(),
        "service",
        "postgres",
        "--data-dir=" + data,
        "--postgres-port=" + postgresPort);
    add(
        KAFKA,
        "512m",
        () -> components.get(KAFKA).process().logged(ReadyLine.service("kafka")) > 0,
        "service",
        "kafka",
        "--data-dir=" + data,
        "--kafka-port=" + kafkaPort,
        "--kafka-controller-port=" + kafkaControllerPort,
        "--kafka-advertised-port=" + kafkaLink.port());
    awaitReady(POSTGRES, KAFKA);
    add(
        BANK,
        "256m",
        () -> !JarProcess.get(bankUrl() + "/payments").isEmpty(),
        "service",
        "bank-simulator",
        "--server.port=" + bankPort,
        "--onceflow.simulator.journal=" + data.resolve("bank-ledger.jsonl"));
    // The first relay starts alone, so that it is the active one and creates the replication slot
    // (what intake commits before the slot exists would only arrive through the sweeper); the
    // workers start meanwhile, the standby relays and intake after it streams.
    int firstRelayPort = relay(1, jdbcUrl, kafka);
    for (int i = 1; i <= workers; i++) {
      int port = SharedTestInfrastructure.freePort();
      add(
          "bank-worker-" + i,
          "384m",
          () -> JarProcess.get("http://localhost:" + port + "/actuator/health").contains("UP"),
          "service",
          "bank-worker",
          "--server.port=" + port,
          "--management.server.port=" + port,
          "--spring.datasource.url=" + jdbcUrl,
          "--spring.kafka.bootstrap-servers=" + kafka,
          "--onceflow.bank.base-url=" + bank);
    }
    awaitReady(
        Duration.ofSeconds(180),
        "outbox-relay-1",
        () -> relayState(firstRelayPort).equals("RUNNING"));
    for (int i = 2; i <= relays; i++) {
      relay(i, jdbcUrl, kafka);
    }
    for (int i = 1; i <= intakes; i++) {
      int port = SharedTestInfrastructure.freePort();
      int managementPort = SharedTestInfrastructure.freePort();
      intakePorts.add(port);
      add(
          "intake-api-" + i,
          "384m",
          () ->
              JarProcess.get("http://localhost:" + managementPort + "/actuator/health")
                  .contains("UP"),
          "service",
          "intake-api",
          "--server.port=" + port,
          "--management.server.port=" + managementPort,
          "--spring.datasource.url=" + jdbcUrl,
          "--onceflow.demo.enabled=true",
          "--onceflow.admin.api-key=" + OnceflowApi.ADMIN_KEY,
          OnceflowApi.UNLIMITED_RATE,
          OnceflowApi.UNLIMITED_BURST);
      // Each seeds the demo client at start; one at a time keeps the first start simple.
      awaitReady("intake-api-" + i);
    }
    awaitReady(components.keySet().toArray(String[]::new));
    return this;
  }

  /** Starts relay number {@code i}; returns its management port. */
  private int relay(int i, String jdbcUrl, String kafka) throws IOException {
    int port = SharedTestInfrastructure.freePort();
    relayPorts.put("outbox-relay-" + i, port);
    add(
        "outbox-relay-" + i,
        "384m",
        () -> !relayState(port).equals("UNKNOWN"),
        "service",
        "outbox-relay",
        "--management.server.port=" + port,
        "--spring.datasource.url=" + jdbcUrl,
        "--spring.kafka.bootstrap-servers=" + kafka);
    return port;
  }

  List<String> names() {
    return List.copyOf(components.keySet());
  }

  /** The links between the services and PostgreSQL, Kafka and the bank, by what they lead to. */
  Map<String, TcpProxy> links() {
    return links;
  }

  /** The relay that streams right now, if one does. */
  java.util.Optional<String> activeRelay() {
    return relayPorts.entrySet().stream()
        .filter(relay -> relayState(relay.getValue()).equals("RUNNING"))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /** How many times {@code name} has been killed so far. */
  int generation(String name) {
    return generations.getOrDefault(name, 0);
  }

  List<String> intakeUrls() {
    return intakePorts.stream().map(port -> "http://localhost:" + port).toList();
  }

  String bankUrl() {
    return "http://localhost:" + bankPort;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + postgresPort + "/" + EmbeddedPostgresServer.DATABASE;
  }

  String bootstrapServers() {
    return "localhost:" + kafkaPort;
  }

  boolean isAlive(String name) {
    return components.get(name).process().isAlive();
  }

  /**
   * SIGKILL, as a crashed host; fails unless the process is gone. PostgreSQL's server processes are
   * not the JVM's children: the postmaster is killed too ({@link Postmaster#killDashNine}).
   *
   * @return whether a running PostgreSQL postmaster was killed (its next start replays the WAL)
   */
  synchronized boolean kill(String name) throws IOException, InterruptedException {
    generations.merge(name, 1, Integer::sum);
    JarProcess process = components.get(name).process();
    process.kill();
    if (process.isAlive()) {
      throw new IllegalStateException(name + " is still alive after kill -9");
    }
    if (!name.equals(POSTGRES)) {
      return false;
    }
    // Waits until the postmaster and its backends are gone, or fails.
    return Postmaster.killDashNine(postgresData());
  }

  /** PostgreSQL's data directory (its own log is in {@code log/} there). */
  Path postgresData() {
    return data.resolve("postgres");
  }

  /** Starts a killed process again with the same arguments (same ports, same data). */
  private synchronized void restart(String name) throws IOException {
    Component component = components.get(name);
    if (!component.process().isAlive()) {
      component.process().start();
    }
  }

  /**
   * Like a supervisor's restart policy with a dependency check: starts {@code name} if it is down
   * and waits until it is ready. A service that exits before it is ready (one started while
   * PostgreSQL was down stops at its migration) is started again once PostgreSQL answers and Kafka
   * runs, up to five times. Fails if it never gets ready, unless it was killed again meanwhile.
   */
  Restart restartUntilReady(String name) throws IOException {
    int generation = generation(name);
    for (int attempt = 1; ; attempt++) {
      restart(name);
      try {
        awaitReady(name);
        return Restart.READY;
      } catch (org.awaitility.core.TerminalFailureException exited) {
        if (generation(name) != generation) {
          return Restart.SUPERSEDED;
        }
        if (attempt == 5) {
          throw exited;
        }
        if (!name.equals(POSTGRES) && !name.equals(KAFKA)) {
          org.awaitility.Awaitility.await("PostgreSQL and Kafka, before " + name + " starts again")
              .atMost(Duration.ofSeconds(180))
              .pollInterval(Duration.ofMillis(500))
              .until(() -> canConnect() && isAlive(KAFKA) && components.get(KAFKA).ready().call());
        }
      }
    }
  }

  /** Waits until every named process answers as ready. */
  void awaitReady(String... names) {
    for (String name : names) {
      awaitReady(Duration.ofSeconds(180), name, components.get(name).ready());
    }
  }

  /** {@link #restartUntilReady} for every process, in start order. */
  void restartAndAwaitAll() throws IOException {
    for (String name : names()) {
      restartUntilReady(name);
    }
  }

  private void awaitReady(Duration atMost, String name, Callable<Boolean> ready) {
    components.get(name).process().awaitReady(atMost, ready);
  }

  private void add(String name, String heap, Callable<Boolean> ready, String... args)
      throws IOException {
    JarProcess process = JarProcess.of(name, directory, heap, List.of(args)).start();
    components.put(name, new Component(name, process, ready));
  }

  private TcpProxy link(String name, int targetPort) throws IOException {
    TcpProxy proxy = new TcpProxy(name, SharedTestInfrastructure.freePort(), targetPort);
    links.put(name, proxy);
    return proxy;
  }

  private boolean canConnect() {
    try (var connection =
        java.sql.DriverManager.getConnection(jdbcUrl(), EmbeddedPostgresServer.USER, "")) {
      return connection.isValid(2);
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  private String relayState(int managementPort) {
    String health =
        JarProcess.get("http://localhost:" + managementPort + "/actuator/health/outboxRelay");
    Matcher state = Pattern.compile("\"state\":\"(\\w+)\"").matcher(health);
    return state.find() ? state.group(1) : "UNKNOWN";
  }

  @Override
  public void close() throws Exception {
    List<Component> inStartOrder = new ArrayList<>(components.values());
    for (int i = inStartOrder.size() - 1; i >= 0; i--) {
      inStartOrder.get(i).process().close();
    }
    // A postgres whose JVM was killed last may still run on its own.
    EmbeddedPostgresServer.stopOrphanedServer(postgresData());
    for (TcpProxy link : links.values()) {
      link.close();
    }
  }
}

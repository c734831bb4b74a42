package dev.onceflow.benchmark;

import dev.onceflow.model.ReadyLine;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local stack jar run as its own process, as a user runs it, on free ports, plus the extra
 * workers the draining matrix adds beside it: the benchmark measures what a user gets, so it starts
 * the jar rather than the services in this JVM. Knows where everything listens and cleans up the
 * data directory when all of it has stopped.
 */
final class StackProcess implements AutoCloseable {

  static final String DEMO_KEY = "local-demo-key";

  /**
   * Strong enough for intake (32 random bytes' worth), generated per run and given to every stack
   * this run starts: an earlier build (--compare-with) would read its own from the data directory.
   */
  static final String ADMIN_KEY = randomAdminKey();

  static final String DB_USER = "postgres";

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

  /**
   * How the stack came up: how it was started (the report's section title), process start to
   * banner, the JVM's own start time, and the memory at that point; with a flight recording, where
   * it is written.
   */
  record Ready(
      String command,
      long millis,
      String inJvmMillis,
      long jvmKb,
      long postgresKb,
      Path flightRecording) {

    double seconds() {
      return millis / 1000.0;
    }

    long rssKb() {
      return jvmKb + postgresKb;
    }
  }

  /** The ceiling creates a database of its own on the same PostgreSQL. */
  final int postgresPort = Processes.freePort();

  private final int kafkaPort = Processes.freePort();
  private final int intakePort = Processes.freePort();
  private final int bankPort = Processes.freePort();
  private final int workerPort = Processes.freePort();
  private final int relayPort = Processes.freePort();
  private final int intakeManagementPort = Processes.freePort();

  private final Path jar;
  private final Path work;
  private final boolean profile;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> workers = new ArrayList<>();

  /** The extra workers' management (actuator) roots, in the order of {@link #workers}. */
  private final List<String> workerUrls = new ArrayList<>();

  private Process stack;

  /** With {@code profile}, the stack JVM records a flight recording into {@code work}. */
  StackProcess(Path jar, Path work, boolean profile) {
    this.jar = jar;
    this.work = work;
    this.profile = profile;
  }

  long pid() {
    return stack.pid();
  }

  List<Long> workerPids() {
    return workers.stream().map(Process::pid).toList();
  }

  /** PostgreSQL's postmaster, or -1 once it has stopped. */
  long postmasterPid() {
    return Processes.postmasterPid(dataDirectory().resolve("postgres"));
  }

  String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + postgresPort + "/onceflow";
  }

  String kafka() {
    return "localhost:" + kafkaPort;
  }

  String bankUrl() {
    return "http://localhost:" + bankPort;
  }

  String intakeUrl() {
    return "http://localhost:" + intakePort;
  }

  String relayManagementUrl() {
    return "http://localhost:" + relayPort;
  }

  /** Every worker's management root: the stack's own worker first, then the extra ones. */
  List<String> workerManagementUrls() {
    List<String> urls = new ArrayList<>();
    urls.add("http://localhost:" + workerPort);
    urls.addAll(workerUrls);
    return urls;
  }

  /** A thread name with the stack's ports replaced by what listens on them. */
  String portsNamed(String thread) {
    return thread
        .replace(Integer.toString(intakePort), "intake")
        .replace(Integer.toString(bankPort), "bank")
        .replace(Integer.toString(workerPort), "worker")
        .replace(Integer.toString(relayPort), "relay")
        .replace(Integer.toString(intakeManagementPort), "intake-mgmt");
  }

  /** Starts the stack and waits for its ready banner. */
  Ready start() throws Exception {
    Path log = work.resolve("stack.log");
    List<String> command = new ArrayList<>(List.of(java()));
    Path archive = jar.resolveSibling("onceflow-local.jsa");
    Path recording = null;
    String how;
    if (profile) {
      // Sampled stacks of the whole stack JVM, written when it stops: jfr print --events
      // jdk.ExecutionSample
      recording = work.resolve("stack.jfr");
      command.add(
          "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + recording);
      how = "java -jar onceflow-local.jar --wipe, with a flight recording";
    } else if (Files.exists(archive)) {
      // The README's run command: the class-data archive the build recorded.
      command.add("-XX:SharedArchiveFile=" + archive);
      how =
          "the README's run command: java -XX:SharedArchiveFile=onceflow-local.jsa -jar onceflow-local.jar --wipe";
    } else {
      how = "java -jar onceflow-local.jar --wipe: this build has no class-data archive";
    }
    // The console's port as a system property, not a flag: a jar from before the console ignores
    // it, where it would refuse an unknown flag (--compare-with).
    command.add("-Donceflow.local.console-port=" + Processes.freePort());
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "--wipe",
            "--data-dir=" + dataDirectory(),
            "--postgres-port=" + postgresPort,
            "--kafka-port=" + kafkaPort,
            "--kafka-controller-port=" + Processes.freePort(),
            "--intake-port=" + intakePort,
            "--bank-port=" + bankPort,
            "--worker-port=" + workerPort,
            "--relay-port=" + relayPort,
            "--intake-management-port=" + intakeManagementPort,
            "--webhook-port=" + Processes.freePort(),
            "--onceflow.admin.api-key=" + ADMIN_KEY,
            // The phases drive the demo client as hard as the pipeline goes: its rate is not
            // measured.
            "--onceflow.intake.limits.requests-per-second=1000000",
            "--onceflow.intake.limits.burst=1000000"));
    Benchmark.progress("Starting the local stack (log: %s)", log);
    long started = System.nanoTime();
    stack =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String text = "";
    while (!text.contains(ReadyLine.STACK)) {
      if (!stack.isAlive()) {
        throw new IllegalStateException("the local stack exited; see " + log);
      }
      if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(240)) {
        throw new IllegalStateException("the local stack was not ready within 240 s; see " + log);
      }
      Benchmark.sleep(100);
      text = Files.readString(log);
    }
    long readyMillis = (System.nanoTime() - started) / 1_000_000;
    Matcher inside = Pattern.compile("started in (\\d+) ms").matcher(text);
    long postgres =
        Processes.postgresTree(postmasterPid()).stream().mapToLong(Processes::pssKb).sum();
    Ready ready =
        new Ready(
            how,
            readyMillis,
            inside.find() ? inside.group(1) : "?",
            Processes.peakRssKb(stack.pid()),
            postgres,
            recording);
    Benchmark.progress("Local stack ready in %.1f s", ready.seconds());
    return ready;
  }

  /** Load on intake as the demo client, spread over {@code accounts} funded accounts. */
  HttpLoad demoClient(int accounts) throws Exception {
    return new HttpLoad(
        new HttpLoad.Target(intakeUrl() + "/transactions", DEMO_KEY, 202, openAccounts(accounts)));
  }

  /** Opens {@code count} funded accounts for the demo client through the admin API. */
  private List<String> openAccounts(int count) throws Exception {
    Matcher client = ID.matcher(Actuator.get(intakeUrl() + "/admin/clients", ADMIN_KEY));
    if (!client.find()) {
      throw new IllegalStateException("no demo client in GET /admin/clients");
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(intakeUrl() + "/admin/clients/" + client.group(1) + "/accounts"))
                  .header("Authorization", "Bearer " + ADMIN_KEY)
                  .header("Content-Type", "application/json")
                  .header("Idempotency-Key", "benchmark-account-" + UUID.randomUUID())
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"currency\":\"EUR\",\"openingBalance\":1000000000000}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher id = ID.matcher(response.body());
      if (response.statusCode() != 201 || !id.find()) {
        throw new IllegalStateException(
            "cannot open an account: " + response.statusCode() + " " + response.body());
      }
      ids.add(id.group(1));
    }
    return ids;
  }

  /** Sets the bank simulator's latency for every call from now on. */
  void bankLatency(int millis) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(bankUrl() + "/faults"))
                .header("Content-Type", "application/json")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"latencyMs\":{\"min\":%d,\"max\":%d}}".formatted(millis, millis)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "PUT /faults: " + response.statusCode() + " " + response.body());
    }
  }

  /** How many worker processes there are: the stack's own and the extra ones. */
  int workerCount() {
    return 1 + workers.size();
  }

  /** Another worker as its own process, sharing the topic's partitions with the stack's worker. */
  void startWorker() throws IOException {
    int port = Processes.freePort();
    int number = workers.size() + 2;
    Benchmark.progress("Starting worker %d on port %d", number, port);
    Process worker =
        new ProcessBuilder(
                java(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-jar",
                jar.toString(),
                "service",
                "bank-worker",
                "--server.port=" + port,
                "--management.server.port=" + port,
                "--spring.datasource.url=" + jdbcUrl(),
                "--spring.kafka.bootstrap-servers=" + kafka(),
                "--onceflow.bank.base-url=" + bankUrl())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("worker-" + number + ".log").toFile())
            .start();
    workers.add(worker);
    workerUrls.add("http://localhost:" + port);
  }

  void awaitWorkersHealthy() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    for (int i = 0; i < workers.size(); i++) {
      while (!Actuator.up(workerUrls.get(i))) {
        if (!workers.get(i).isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("worker " + (i + 2) + " did not start; see " + work);
        }
        Benchmark.sleep(500);
      }
    }
  }

  /** Stops the workers and the stack; then deletes the data directory, once PostgreSQL is gone. */
  @Override
  public void close() {
    for (Process worker : workers) {
      worker.destroy();
    }
    for (Process worker : workers) {
      waitFor(worker);
    }
    if (stack != null) {
      stack.destroy();
      waitFor(stack);
      if (!stack.isAlive() && postmasterPid() < 0) {
        // PostgreSQL and Kafka data: hundreds of MB nobody reads again; logs and scripts stay.
        delete(dataDirectory());
      }
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private Path dataDirectory() {
    return work.resolve("stack");
  }

  private static void delete(Path directory) {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.err.println(
          "onceflow-benchmark: could not delete " + directory + ": " + e.getMessage());
    }
  }

  private static void waitFor(Process process) {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String randomAdminKey() {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }
}

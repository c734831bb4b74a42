package dev.onceflow.local;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.console.ConsoleApplication;
import dev.onceflow.console.ConsoleProperties;
import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.InProcessKafka;
import dev.onceflow.intake.IntakeApplication;
import dev.onceflow.intake.demo.DemoData;
import dev.onceflow.model.InvalidSettingException;
import dev.onceflow.model.ReadyLine;
import dev.onceflow.model.WebhookTargets;
import dev.onceflow.relay.OutboxRelayApplication;
import dev.onceflow.webhook.WebhookDispatcherApplication;
import dev.onceflow.worker.BankWorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded default: an embedded PostgreSQL, an in-process Kafka broker, the bank simulator and
 * every Onceflow service, in one JVM, on fixed localhost ports. Data lives in one directory and
 * survives restarts.
 */
public final class LocalStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

  /** The demo client's API key (seeded at start). */
  public static final String DEMO_API_KEY = "local-demo-key";

  /** The demo client's id, for the admin API (for example to open it another account). */
  public static final UUID DEMO_CLIENT_ID = DemoData.clientId();

  /**
   * Where the admin API's key ({@code /admin/**}) is kept, in the data directory, unless {@code
   * --onceflow.admin.api-key} says otherwise: generated on the first start (32 random bytes,
   * readable by its owner only), never printed or logged.
   */
  public static final String ADMIN_KEY_FILE = "admin-key";

  private static final String ADMIN_KEY_ARGUMENT = "--onceflow.admin.api-key=";

  /**
   * The console's demo users' one password: {@code alice} and {@code bob} are operators (two, so
   * that an action one asks for can be approved by the other), {@code viewer} only reads.
   */
  public static final String CONSOLE_DEMO_PASSWORD = "local-demo-password";

  /** The console's demo users, name and role, unless the user configures the console's own. */
  static final List<List<String>> CONSOLE_DEMO_USERS =
      List.of(
          List.of("alice", "OPERATOR"), List.of("bob", "OPERATOR"), List.of("viewer", "VIEWER"));

  private final LocalStackOptions options;
  private final EmbeddedPostgresServer postgres;
  private final InProcessKafka kafka;
  // Closed in reverse start order: services first, then Kafka, then PostgreSQL.
  private final Deque<ConfigurableApplicationContext> services = new ArrayDeque<>();
  private ConfigurableApplicationContext console;
  // The console's bcrypt hash of the demo password; its users are the demo users if they have it.
  private String consoleDemoHash;

  private LocalStack(
      LocalStackOptions options, EmbeddedPostgresServer postgres, InProcessKafka kafka) {
    this.options = options;
    this.postgres = postgres;
    this.kafka = kafka;
  }

  /**
   * Starts the stack and prints its banner; it runs until the JVM stops (Ctrl-C stops it cleanly).
   */
  static void runUntilStopped(LocalStackOptions options) {
    long started = System.nanoTime();
    LocalStack stack;
    try {
      stack = start(options);
    } catch (Exception e) {
      InvalidSettingException setting = invalidSetting(e);
      if (setting != null) {
        System.err.println("onceflow-local: " + setting.getMessage());
        System.exit(2);
      }
      log.error("Onceflow did not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-shutdown"));
    System.out.println(stack.banner((System.nanoTime() - started) / 1_000_000));
  }

  /** The setting a service refused to start with, if that is why it failed. */
  private static InvalidSettingException invalidSetting(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidSettingException setting) {
        return setting;
      }
    }
    return null;
  }

  /** Starts everything; on failure, stops what already started and rethrows. */
  public static LocalStack start(LocalStackOptions options) throws Exception {
    if (options.wipe()) {
      wipe(options.dataDirectory());
    }
    Files.createDirectories(options.dataDirectory());
    // Neither needs the other, and each spends much of its start waiting on disk and processes.
    log.info("Starting Kafka on port {}", options.kafkaPort());
    CompletableFuture<InProcessKafka> startingKafka =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return InProcessKafka.start(
                    options.dataDirectory().resolve("kafka"),
                    options.kafkaPort(),
                    options.kafkaControllerPort(),
                    options.kafkaAdvertisedPort());
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            },
            runnable -> new Thread(runnable, "local-stack-kafka-start").start());
    log.info(
        "Starting PostgreSQL on port {} (data in {})",
        options.postgresPort(),
        options.dataDirectory());
    EmbeddedPostgresServer postgres;
    try {
      postgres =
          EmbeddedPostgresServer.start(
              options.dataDirectory().resolve("postgres"), options.postgresPort(), true);
    } catch (Exception e) {
      startingKafka.thenAccept(InProcessKafka::close);
      throw e;
    }
    InProcessKafka kafka;
    try {
      kafka = startingKafka.join();
    } catch (CompletionException e) {
      postgres.close();
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    LocalStack stack = new LocalStack(options, postgres, kafka);
    try {
      if (!options.infraOnly()) {
        stack.startServices();
      }
    } catch (Exception e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  private void startServices() {
    String bankUrl = "http://localhost:" + options.bankPort();
    start(
        "outbox-relay",
        WithoutConsoleAutoConfiguration.applyTo(OutboxRelayApplication.application()),
        "--server.port=" + options.relayPort(),
        "--management.server.port=" + options.relayPort(),
        "--spring.datasource.url=" + postgres.jdbcUrl(),
        "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers());
    // The relay's engine connects and starts streaming on a thread of its own: the bank starts
    // meanwhile, on the CPU that would otherwise wait.
    start(
        "bank-simulator",
        WithoutConsoleAutoConfiguration.applyTo(BankSimulatorApplication.application()),
        "--server.port=" + options.bankPort(),
        "--onceflow.simulator.journal=" + options.dataDirectory().resolve("bank-ledger.jsonl"));
    // On the very first start the relay creates the replication slot; outbox rows committed before
    // it exists would only reach Kafka through the sweeper's re-drive, so intake waits for it.
    awaitStreaming(
        "outbox-relay", "http://localhost:" + options.relayPort() + "/actuator/health/outboxRelay");
    start(
        "intake-api",
        WithoutConsoleAutoConfiguration.applyTo(IntakeApplication.application()),
        allowingPrivateWebhookTargets(
            withDefault(
                ADMIN_KEY_ARGUMENT,
                adminApiKey(),
                // Only intake has a management port apart from its API (the others serve both on
                // one).
                withDefault(
                    "--management.server.address=",
                    options.bindAddress(),
                    "--server.port=" + options.intakePort(),
                    "--management.server.port=" + options.intakeManagementPort(),
                    "--spring.datasource.url=" + postgres.jdbcUrl(),
                    "--onceflow.demo.enabled=true",
                    "--onceflow.demo.api-key=" + DEMO_API_KEY,
                    "--onceflow.demo.currencies=" + String.join(",", options.currencies())))));
    start(
        "bank-worker",
        WithoutConsoleAutoConfiguration.applyTo(BankWorkerApplication.application()),
        "--server.port=" + options.workerPort(),
        "--management.server.port=" + options.workerPort(),
        "--spring.datasource.url=" + postgres.jdbcUrl(),
        "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
        "--onceflow.bank.base-url=" + bankUrl);
    start(
        "webhook-dispatcher",
        WithoutConsoleAutoConfiguration.applyTo(WebhookDispatcherApplication.application()),
        allowingPrivateWebhookTargets(
            "--server.port=" + options.webhookPort(),
            "--management.server.port=" + options.webhookPort(),
            "--spring.datasource.url=" + postgres.jdbcUrl(),
            "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers()));
    // Last: the console never migrates the schema, so it starts once the services did.
    console =
        start(
            "console",
            ConsoleApplication.application().properties(consoleDemoUsers()),
            "--server.port=" + options.consolePort(),
            "--management.server.port=" + options.consolePort(),
            "--spring.datasource.url=" + postgres.jdbcUrl());
  }

  /**
   * The demo users as default properties: users the user configures (arguments, environment)
   * replace the whole list, since Spring binds a list from one source only.
   */
  private String[] consoleDemoUsers() {
    // One hash for the one password: each costs some 70 ms of the start.
    consoleDemoHash = new BCryptPasswordEncoder(10).encode(CONSOLE_DEMO_PASSWORD);
    List<String> properties = new ArrayList<>();
    for (int i = 0; i < CONSOLE_DEMO_USERS.size(); i++) {
      String user = ConsoleProperties.PREFIX + ".users[" + i + "].";
      properties.add(user + "name=" + CONSOLE_DEMO_USERS.get(i).get(0));
      properties.add(user + "password-hash=" + consoleDemoHash);
      properties.add(user + "role=" + CONSOLE_DEMO_USERS.get(i).get(1));
    }
    return properties.toArray(String[]::new);
  }

  /**
   * The arguments, plus webhook endpoints allowed on private addresses unless the user says: on a
   * developer's machine the receiver to try is on this machine. Intake and the dispatcher must
   * agree.
   */
  private String[] allowingPrivateWebhookTargets(String... arguments) {
    return withDefault("--" + WebhookTargets.ALLOW_PRIVATE_SETTING + "=", "true", arguments);
  }

  /** Waits until the relay's health says it streams (a standby is healthy too, but not enough). */
  private static void awaitStreaming(String name, String healthUrl) {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(healthUrl)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"RUNNING\"")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
    throw new IllegalStateException(
        name + " did not start streaming within 120 s (" + healthUrl + ")");
  }

  /**
   * The arguments, plus {@code argument + value} unless the user gave that argument: the user's
   * arguments reach every service anyway, and a second value would merge with theirs.
   */
  private String[] withDefault(String argument, String value, String... arguments) {
    List<String> all = new ArrayList<>(List.of(arguments));
    if (options.springArguments().stream().noneMatch(arg -> arg.startsWith(argument))) {
      all.add(argument + value);
    }
    return all.toArray(String[]::new);
  }

  /** The admin key intake runs with: the user's, or the one in {@link #ADMIN_KEY_FILE}. */
  public String adminApiKey() {
    String key = null;
    for (String arg : options.springArguments()) {
      if (arg.startsWith(ADMIN_KEY_ARGUMENT)) {
        key = arg.substring(ADMIN_KEY_ARGUMENT.length());
      }
    }
    return key != null ? key : storedAdminKey(options.dataDirectory().resolve(ADMIN_KEY_FILE));
  }

  /** The key in {@code file}, written there first if there is none. */
  private static String storedAdminKey(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Path written = Files.createTempFile(file.getParent(), ADMIN_KEY_FILE, ".tmp");
        Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(
            written, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
      }
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the admin key in " + file, e);
    }
  }

  /** Where the admin key comes from, for the banner: the key itself is never printed. */
  private String adminKeySource() {
    return options.springArguments().stream().anyMatch(arg -> arg.startsWith(ADMIN_KEY_ARGUMENT))
        ? "the one given with --onceflow.admin.api-key"
        : "cat " + options.dataDirectory().resolve(ADMIN_KEY_FILE);
  }

  private ConfigurableApplicationContext start(
      String name, SpringApplicationBuilder application, String... args) {
    log.info("Starting {}", name);
    List<String> arguments = new ArrayList<>(List.of(args));
    arguments.add("--spring.main.banner-mode=off");
    arguments.add("--spring.main.log-startup-info=false");
    arguments.addAll(List.of(withDefault("--server.address=", options.bindAddress())));
    arguments.addAll(options.springArguments());
    ConfigurableApplicationContext service =
        application.registerShutdownHook(false).run(arguments.toArray(String[]::new));
    services.push(service);
    return service;
  }

  public String intakeUrl() {
    return "http://localhost:" + options.intakePort();
  }

  public String bankUrl() {
    return "http://localhost:" + options.bankPort();
  }

  /**
   * The bank worker's actuator (health, prometheus); intake and the bank serve theirs on their own
   * port.
   */
  public String workerManagementUrl() {
    return "http://localhost:" + options.workerPort();
  }

  /** The outbox relay's actuator (health, prometheus): the relay's only HTTP port. */
  public String intakeManagementUrl() {
    return "http://localhost:" + options.intakeManagementPort();
  }

  /** The operator console (its health is at /actuator/health on the same port). */
  public String consoleUrl() {
    return "http://localhost:" + options.consolePort();
  }

  public String relayManagementUrl() {
    return "http://localhost:" + options.relayPort();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String jdbcUrl() {
    return postgres.jdbcUrl();
  }

  /** What a newcomer needs to try it: where everything is, and a first request. */
  String banner(long startMillis) {
    StringBuilder text = new StringBuilder();
    text.append("\n").append("=".repeat(86)).append("\n");
    text.append(
        " %s (started in %d ms). Ctrl-C stops it; data stays in %s%n"
            .formatted(ReadyLine.STACK, startMillis, options.dataDirectory()));
    text.append(
        options.listenAll()
            ? " LISTENING ON ALL INTERFACES (--listen-all): anyone who can reach this machine can pay with\n"
                + " the well-known demo key and fail payments through the bank simulator's /faults.\n"
            : " Listening on 127.0.0.1 only (--listen-all opens the HTTP ports to the network).\n");
    text.append(
        "   Kafka           %s%n   PostgreSQL      %s (user postgres; each service has its own role)%n"
            .formatted(kafka.bootstrapServers(), postgres.jdbcUrl()));
    if (options.infraOnly()) {
      return text.append(" Services not started (--infra-only).\n")
          .append("=".repeat(86))
          .toString();
    }
    text.append("   intake API      %s   (API key: %s)%n".formatted(intakeUrl(), DEMO_API_KEY));
    text.append(
        "   admin API       %s/admin/clients   (admin key: %s)%n"
            .formatted(intakeUrl(), adminKeySource()));
    text.append("   API document    %s/openapi.yaml%n".formatted(intakeUrl()));
    text.append("   bank simulator  %s/payments (the ledger)%n".formatted(bankUrl()));
    text.append(
        "   intake metrics  http://localhost:%d/actuator/prometheus%n"
            .formatted(options.intakeManagementPort()));
    text.append(
        "   bank-worker     http://localhost:%d/actuator/health%n".formatted(options.workerPort()));
    text.append(
        "   outbox-relay    http://localhost:%d/actuator/health%n".formatted(options.relayPort()));
    text.append(
        "   webhooks        http://localhost:%d/actuator/health   (endpoints on this machine allowed)%n"
            .formatted(options.webhookPort()));
    text.append("   console         %s/   (%s)%n".formatted(consoleUrl(), consoleUsers()));
    String firstAccount = null;
    String firstCurrency = null;
    for (JsonNode account : demoAccounts()) {
      if (firstAccount == null) {
        firstAccount = account.get("id").asString();
        firstCurrency = account.get("currency").asString();
      }
      text.append(
          "   demo account    %s %s  available %d%n"
              .formatted(
                  account.get("currency").asString(),
                  account.get("id").asString(),
                  account.get("available").asLong()));
    }
    if (firstAccount != null) {
      text.append(
          """
           Try it:
             curl -i -X POST %s/transactions \\
               -H 'Authorization: Bearer %s' -H 'Idempotency-Key: order-1' \\
               -H 'Content-Type: application/json' \\
               -d '{"accountId":"%s","amount":1250,"currency":"%s","creditor":{"name":"ACME GmbH","iban":"DE89370400440532013000"},"reference":"invoice 42"}'
          """
              .formatted(intakeUrl(), DEMO_API_KEY, firstAccount, firstCurrency));
    }
    return text.append("=".repeat(86)).toString();
  }

  /** Who may log in to the console, for the banner: its passwords only if they are the demo's. */
  private String consoleUsers() {
    List<ConsoleProperties.User> users = console.getBean(ConsoleProperties.class).users();
    if (users.stream().allMatch(user -> user.passwordHash().equals(consoleDemoHash))) {
      return "operators alice, bob; read-only viewer; password " + CONSOLE_DEMO_PASSWORD;
    }
    return "users as configured: "
        + String.join(", ", users.stream().map(ConsoleProperties.User::name).toList());
  }

  /**
   * The demo client's accounts (the first page, which holds them all), read through the API like
   * any client would.
   */
  JsonNode demoAccounts() {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(intakeUrl() + "/accounts"))
                      .header("Authorization", "Bearer " + DEMO_API_KEY)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode page = JsonMapper.builder().build().readTree(response.body());
      return page.has("data") ? page.get("data") : JsonMapper.builder().build().createArrayNode();
    } catch (IOException e) {
      log.warn("GET /accounts failed: {}", e.getMessage());
      return JsonMapper.builder().build().createArrayNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JsonMapper.builder().build().createArrayNode();
    }
  }

  @Override
  public synchronized void close() {
    while (!services.isEmpty()) {
      ConfigurableApplicationContext service = services.pop();
      try {
        service.close();
      } catch (RuntimeException e) {
        log.warn("Stopping {} failed: {}", service.getId(), e.getMessage());
      }
    }
    try {
      kafka.close();
    } catch (RuntimeException e) {
      log.warn("Stopping Kafka failed: {}", e.getMessage());
    }
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("Stopping PostgreSQL failed: {}", e.getMessage());
    }
  }

  static void wipe(Path dataDirectory) throws IOException {
    if (!Files.exists(dataDirectory)) {
      return;
    }
    EmbeddedPostgresServer.stopOrphanedServer(dataDirectory.resolve("postgres"));
    log.info("Wiping {}", dataDirectory);
    try (Stream<Path> paths = Files.walk(dataDirectory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}

package dev.onceflow.local;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.infra.EmbeddedPostgresServer;
import dev.onceflow.infra.InProcessKafka;
import dev.onceflow.intake.IntakeApplication;
import dev.onceflow.model.ReadyLine;
import dev.onceflow.relay.OutboxRelayApplication;
import dev.onceflow.webhook.WebhookDispatcherApplication;
import dev.onceflow.worker.BankWorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Runs one service as its own process ({@code java -jar onceflow-local.jar service bank-worker
 * --spring.kafka.bootstrap-servers=...}), so that several instances of each can run against one
 * PostgreSQL and one Kafka. PostgreSQL and Kafka can each run alone too ({@code service postgres},
 * {@code service kafka}, with the local stack's {@code --data-dir} and port flags), so that either
 * can be stopped or killed on its own.
 */
final class ServiceLauncher {

  static final Map<String, Supplier<SpringApplicationBuilder>> SERVICES =
      new TreeMap<>(
          Map.of(
              "intake-api", IntakeApplication::application,
              "outbox-relay", OutboxRelayApplication::application,
              "bank-worker", BankWorkerApplication::application,
              "bank-simulator", BankSimulatorApplication::application,
              "webhook-dispatcher", WebhookDispatcherApplication::application));

  private static final Map<String, InfrastructureStarter> INFRASTRUCTURE =
      Map.of("postgres", ServiceLauncher::postgres, "kafka", ServiceLauncher::kafka);

  private ServiceLauncher() {}

  /** Starts the named service with the remaining arguments as its Spring arguments. */
  static void run(String[] args) {
    String name = args.length == 0 ? null : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    if (SERVICES.containsKey(name)) {
      // The jar's class path holds the console's security and templates: not for these.
      WithoutConsoleAutoConfiguration.applyTo(SERVICES.get(name).get())
          .run(onLoopbackUnlessGiven(name, rest));
    } else if (INFRASTRUCTURE.containsKey(name)) {
      runInfrastructure(name, rest);
    } else {
      TreeSet<String> known = new TreeSet<>(SERVICES.keySet());
      known.addAll(INFRASTRUCTURE.keySet());
      String given = name == null ? "no service named" : "unknown service '" + name + "'";
      System.err.println("onceflow-local: " + given + "; one of " + String.join(", ", known));
      System.exit(2);
    }
  }

  /**
   * The arguments, plus loopback-only HTTP addresses unless they name their own: a service started
   * from the local stack's jar is for this machine. (Only intake-api has a management port of its
   * own; the others serve actuator on their one port.)
   */
  private static String[] onLoopbackUnlessGiven(String name, String[] args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    List<String> addresses =
        name.equals("intake-api")
            ? List.of("--server.address=", "--management.server.address=")
            : List.of("--server.address=");
    for (String address : addresses) {
      if (all.stream().noneMatch(arg -> arg.startsWith(address))) {
        all.add(address + "127.0.0.1");
      }
    }
    return all.toArray(String[]::new);
  }

  private static void runInfrastructure(String name, String[] args) {
    LocalStackOptions options;
    try {
      options = LocalStackOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("onceflow-local: " + e.getMessage());
      System.exit(2);
      return;
    }
    AutoCloseable server;
    try {
      Files.createDirectories(options.dataDirectory());
      server = INFRASTRUCTURE.get(name).start(options);
    } catch (Exception e) {
      System.err.println("onceflow-local: " + name + " did not start: " + e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("onceflow-local: stopping " + name + " failed: " + e);
                  }
                },
                name + "-shutdown"));
    System.out.println(ReadyLine.service(name) + " (data in " + options.dataDirectory() + ")");
    // Kafka's threads keep the JVM alive; PostgreSQL runs in processes of its own, so wait here.
    if (name.equals("postgres")) {
      try {
        Thread.currentThread().join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static AutoCloseable postgres(LocalStackOptions options) {
    try {
      return EmbeddedPostgresServer.start(
          options.dataDirectory().resolve("postgres"), options.postgresPort(), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static AutoCloseable kafka(LocalStackOptions options) throws Exception {
    return InProcessKafka.start(
        options.dataDirectory().resolve("kafka"),
        options.kafkaPort(),
        options.kafkaControllerPort(),
        options.kafkaAdvertisedPort());
  }

  @FunctionalInterface
  private interface InfrastructureStarter {
    AutoCloseable start(LocalStackOptions options) throws Exception;
  }
}

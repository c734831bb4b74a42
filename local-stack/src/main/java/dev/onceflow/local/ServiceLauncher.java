package dev.onceflow.local;

import dev.onceflow.bank.BankSimulatorApplication;
import dev.onceflow.intake.IntakeApplication;
import dev.onceflow.relay.OutboxRelayApplication;
import dev.onceflow.worker.BankWorkerApplication;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Runs one service as its own process ({@code java -jar onceflow-local.jar service bank-worker
 * --spring.kafka.bootstrap-servers=...}), so that several instances of each can run against one
 * PostgreSQL and one Kafka (for example those of {@code --infra-only}).
 */
final class ServiceLauncher {

  static final Map<String, Supplier<SpringApplicationBuilder>> SERVICES = new TreeMap<>(
      Map.of(
          "intake-api", IntakeApplication::application,
          "outbox-relay", OutboxRelayApplication::application,
          "bank-worker", BankWorkerApplication::application,
          "bank-simulator", BankSimulatorApplication::application));

  private ServiceLauncher() {}

  /** Starts the named service with the remaining arguments as its Spring arguments. */
  static void run(String[] args) {
    if (args.length == 0 || !SERVICES.containsKey(args[0])) {
      String given = args.length == 0 ? "no service named" : "unknown service '" + args[0] + "'";
      System.err.println("onceflow-local: " + given + "; one of " + String.join(", ", SERVICES.keySet()));
      System.exit(2);
    }
    String[] springArgs = new String[args.length - 1];
    System.arraycopy(args, 1, springArgs, 0, springArgs.length);
    SERVICES.get(args[0]).get().run(springArgs);
  }
}

package dev.onceflow.local;

import dev.onceflow.infra.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local stack's flags. Each may also be given as a system property {@code
 * onceflow.local.<flag>} (for example {@code -Donceflow.local.intake-port=9080}).
 */
public record LocalStackOptions(
    Path dataDirectory,
    boolean wipe,
    boolean infraOnly,
    boolean selfCheck,
    boolean listenAll,
    int postgresPort,
    int kafkaPort,
    int kafkaControllerPort,
    int kafkaAdvertisedPort,
    int intakePort,
    int bankPort,
    int workerPort,
    int relayPort,
    int intakeManagementPort,
    int webhookPort,
    int consolePort,
    List<String> currencies,
    List<String> springArguments) {

  static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  /** The self-check's own data directory, deleted when the check ends. */
  static final String SELF_CHECK_DIRECTORY_PREFIX = "onceflow-self-check-";

  static {
    DEFAULTS.put("data-dir", ".onceflow");
    DEFAULTS.put("postgres-port", "15432");
    DEFAULTS.put("kafka-port", "9092");
    DEFAULTS.put("kafka-controller-port", "9093");
    // Empty: the broker tells clients its own port.
    DEFAULTS.put("kafka-advertised-port", "");
    DEFAULTS.put("intake-port", "8080");
    DEFAULTS.put("bank-port", "8081");
    DEFAULTS.put("worker-port", "8082");
    DEFAULTS.put("relay-port", "8083");
    DEFAULTS.put("intake-management-port", "8084");
    DEFAULTS.put("webhook-port", "8085");
    DEFAULTS.put("console-port", "8087");
    DEFAULTS.put("currencies", "EUR,USD,GBP");
  }

  static final String USAGE =
      """
      Usage: java -jar onceflow-local.jar [run] [flags] [--spring.property=value ...]
        --data-dir=PATH             where PostgreSQL, Kafka and the bank ledger keep data (.onceflow)
        --wipe                      delete the data directory first
        --listen-all                serve HTTP (intake, the bank simulator, the console, every
                                    management port) on all interfaces; by default only 127.0.0.1,
                                    since the demo key and the console's demo password are well
                                    known and the simulator's /faults fails payments on demand
        --infra-only                start only PostgreSQL and Kafka (run the services yourself)
        --postgres-port=N           15432      --kafka-port=N             9092
        --kafka-controller-port=N   9093       --intake-port=N            8080
        --kafka-advertised-port=N   the port Kafka tells its clients to connect to, when a proxy
                                    forwards it to --kafka-port (--kafka-port)
        --bank-port=N               8081       --worker-port=N            8082 (management)
        --relay-port=N              8083 (management)
        --intake-management-port=N  8084 (intake-api's metrics and health, not its clients' port)
        --webhook-port=N            8085 (the webhook dispatcher's management)
        --console-port=N            8087 (the operator console; its demo users are printed)
        --currencies=EUR,USD        one funded demo account per currency (EUR,USD,GBP)
        --self-check                start everything, pay one demo payment end to end, stop, and
                                    exit 0 if it completed (1 if not); on free ports and in a
                                    fresh temporary data directory unless flags say otherwise
        --help                      this text
      Any --spring.* / --onceflow.* argument is passed to every service.
      The admin API (/admin/**) takes the key in DATA-DIR/admin-key (generated on the first start),
      or --onceflow.admin.api-key=KEY (at least 32 random bytes: openssl rand -base64 32).

      Usage: java -jar onceflow-local.jar service NAME [--spring.property=value ...]
        runs one service as its own process: intake-api, outbox-relay, bank-worker,
        webhook-dispatcher or bank-simulator; its defaults point at the local stack's ports (start the infrastructure
        with --infra-only), and standard Spring properties change them, for example
        --server.port=8090 --management.server.port=8092 --spring.kafka.bootstrap-servers=host:9092
        (intake-api's admin API needs --onceflow.admin.api-key=KEY; without it, it refuses everything)

      Usage: java -jar onceflow-local.jar service postgres|kafka [--data-dir=PATH] [port flags]
        runs only PostgreSQL or only Kafka, with the flags above (--postgres-port, --kafka-port,
        --kafka-controller-port), so that each can be stopped or restarted on its own

      Usage: java -jar onceflow-local.jar ops COMMAND [flags]     (ops --help for the commands)
      """;

  /** Parses the flags; throws IllegalArgumentException with a one-line message on bad input. */
  public static LocalStackOptions parse(String... args) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    // What the user set, by system property or (winning over it) by flag.
    Map<String, String> given = new LinkedHashMap<>();
    DEFAULTS
        .keySet()
        .forEach(
            flag -> {
              String property = System.getProperty("onceflow.local." + flag);
              if (property != null) {
                given.put(flag, property);
              }
            });
    boolean wipe = Boolean.getBoolean("onceflow.local.wipe");
    boolean infraOnly = Boolean.getBoolean("onceflow.local.infra-only");
    boolean selfCheck = false;
    boolean listenAll = Boolean.getBoolean("onceflow.local.listen-all");
    List<String> springArguments = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--wipe")) {
        wipe = true;
      } else if (arg.equals("--infra-only")) {
        infraOnly = true;
      } else if (arg.equals("--self-check")) {
        selfCheck = true;
      } else if (arg.equals("--listen-all")) {
        listenAll = true;
      } else if (arg.startsWith("--spring.")
          || arg.startsWith("--onceflow.")
          || arg.startsWith("--logging.")) {
        springArguments.add(arg);
      } else if (arg.startsWith("--") && arg.contains("=")) {
        String flag = arg.substring(2, arg.indexOf('='));
        if (!DEFAULTS.containsKey(flag)) {
          throw new IllegalArgumentException("unknown flag --" + flag + " (see --help)");
        }
        given.put(flag, arg.substring(arg.indexOf('=') + 1));
      } else {
        throw new IllegalArgumentException("unknown argument '" + arg + "' (see --help)");
      }
    }
    if (selfCheck) {
      if (infraOnly) {
        throw new IllegalArgumentException(
            "--self-check needs the services; it cannot be combined with --infra-only");
      }
      // A check must not collide with a stack already running here, nor pay into its data.
      DEFAULTS.keySet().stream()
          .filter(
              flag ->
                  flag.endsWith("-port")
                      && !flag.equals("kafka-advertised-port")
                      && !given.containsKey(flag))
          .forEach(flag -> values.put(flag, String.valueOf(FreePorts.find())));
      if (!given.containsKey("data-dir")) {
        values.put("data-dir", temporaryDirectory().toString());
      }
    }
    values.putAll(given);
    return new LocalStackOptions(
        Path.of(values.get("data-dir")).toAbsolutePath(),
        wipe,
        infraOnly,
        selfCheck,
        listenAll,
        port(values, "postgres-port"),
        port(values, "kafka-port"),
        port(values, "kafka-controller-port"),
        values.get("kafka-advertised-port").isEmpty()
            ? port(values, "kafka-port")
            : port(values, "kafka-advertised-port"),
        port(values, "intake-port"),
        port(values, "bank-port"),
        port(values, "worker-port"),
        port(values, "relay-port"),
        port(values, "intake-management-port"),
        port(values, "webhook-port"),
        port(values, "console-port"),
        currencies(values.get("currencies")),
        List.copyOf(springArguments));
  }

  /** The address the services' HTTP ports bind to. */
  public String bindAddress() {
    return listenAll ? "0.0.0.0" : "127.0.0.1";
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory(SELF_CHECK_DIRECTORY_PREFIX);
    } catch (IOException e) {
      throw new UncheckedIOException("no temporary directory for --self-check", e);
    }
  }

  private static int port(Map<String, String> values, String flag) {
    String value = values.get(flag);
    try {
      int port = Integer.parseInt(value);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + flag + " must be a port number 1-65535, got '" + value + "'");
    }
  }

  private static List<String> currencies(String value) {
    List<String> currencies = new ArrayList<>();
    for (String code : value.split(",")) {
      String trimmed = code.trim().toUpperCase();
      try {
        java.util.Currency.getInstance(trimmed);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--currencies: '" + code + "' is not an ISO 4217 code");
      }
      currencies.add(trimmed);
    }
    return List.copyOf(currencies);
  }
}

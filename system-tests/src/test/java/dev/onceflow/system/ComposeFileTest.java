package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml only runs images that exist and only sets variables the services read. (CI
 * also validates it with {@code docker-compose config}; this test knows what Compose does not.)
 */
class ComposeFileTest {

  /** Images used as they are published: anything else must be built from this repository. */
  private static final Set<String> OFFICIAL_IMAGES =
      Set.of("postgres", "flyway/flyway", "apache/kafka", "prom/prometheus", "grafana/grafana");

  /** Read by the JVM itself, not by Spring. */
  private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

  private static final Map<String, Map<String, Object>> SERVICES = services();

  @Test
  void runsOnlyOfficialImagesOrImagesBuiltHere() {
    SERVICES.forEach(
        (name, service) -> {
          if (service.containsKey("build")) {
            assertThat(dockerfile(service)).as(name + " is built from").isRegularFile();
          } else {
            String image = (String) service.get("image");
            assertThat(image).as(name + " has an image or a build").isNotNull();
            assertThat(repository(image)).as(name + "'s image").isIn(OFFICIAL_IMAGES);
          }
        });
  }

  @Test
  void buildsEachOnceflowImageFromItsModulesExecutableJar() throws IOException {
    assertThat(onceflowServices().keySet())
        .contains(
            "intake-api", "outbox-relay", "outbox-relay-standby", "bank-worker", "bank-simulator");
    for (Map.Entry<String, Map<String, Object>> service : onceflowServices().entrySet()) {
      String module = module(service.getValue());
      String dockerfile = Files.readString(dockerfile(service.getValue()));
      String pom = Files.readString(ProjectFiles.resolve(module + "/pom.xml"));

      assertThat(dockerfile)
          .as(service.getKey())
          .contains("COPY target/" + module + "-*-exec.jar ");
      assertThat(pom)
          .as(module + " makes the jar the image copies")
          .contains("<classifier>exec</classifier>");
      assertThat(dockerfile).as(service.getKey() + " runs as").containsPattern("(?m)^USER [1-9]");
    }
  }

  @Test
  void setsOnlyEnvironmentVariablesTheServiceReads() {
    Map<String, String> spring = ConfigurationDocs.springProperties();
    Map<String, ConfigurationKeys.Key> onceflow = ConfigurationKeys.read();
    List<String> unread = new ArrayList<>();
    onceflowServices()
        .forEach(
            (name, service) -> {
              String module = module(service);
              for (String variable : environment(service).keySet()) {
                if (!JVM_VARIABLES.contains(variable)
                    && !readsOnceflowProperty(onceflow, module, variable)
                    && !isSpringProperty(spring, variable)) {
                  unread.add(name + ": " + variable);
                }
              }
            });

    assertThat(unread).as("variables no property of the service binds").isEmpty();
  }

  @Test
  void startsEachServiceOnlyAfterWhatItNeedsIsHealthy() {
    for (Map.Entry<String, Map<String, Object>> service : onceflowServices().entrySet()) {
      assertThat(service.getValue())
          .as(service.getKey() + " has a health check")
          .containsKey("healthcheck");
    }
    SERVICES.forEach(
        (name, service) ->
            dependencies(service)
                .forEach(
                    (dependency, condition) -> {
                      assertThat(SERVICES).as(name + " depends on").containsKey(dependency);
                      if ("service_healthy".equals(condition)) {
                        assertThat(SERVICES.get(dependency))
                            .as(dependency + ", which " + name + " waits for")
                            .containsKey("healthcheck");
                      }
                    }));
    assertThat(dependencies(SERVICES.get("bank-worker"))).containsEntry("kafka", "service_healthy");
  }

  @Test
  @SuppressWarnings("unchecked")
  void publishesOnlyIntakesClientPortAndTheOverrideOnlyOnLoopback() throws IOException {
    SERVICES.forEach(
        (name, service) -> {
          if (!name.equals("intake-api")) {
            assertThat(service)
                .as(name + " is not published by default")
                .doesNotContainKey("ports");
          }
        });
    assertThat(strings(SERVICES.get("intake-api").get("ports"))).containsExactly("8080:8080");

    Map<String, Map<String, Object>> overridden;
    try (Reader in =
        Files.newBufferedReader(ProjectFiles.resolve("deploy/compose.host-ports.yml"))) {
      overridden =
          (Map<String, Map<String, Object>>)
              new Yaml().<Map<String, Object>>load(in).get("services");
    }
    assertThat(SERVICES.keySet()).containsAll(overridden.keySet());
    overridden.forEach(
        (name, service) ->
            assertThat(strings(service.get("ports")))
                .as(name)
                .isNotEmpty()
                .allMatch(port -> port.startsWith("127.0.0.1:")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanasPasswordIsRequiredNotDefaulted() {
    Map<String, Object> environment =
        (Map<String, Object>) SERVICES.get("grafana").get("environment");

    assertThat((String) environment.get("GF_SECURITY_ADMIN_PASSWORD"))
        .startsWith("${GRAFANA_ADMIN_PASSWORD:?");
  }

  @Test
  void migratesOnceAsTheOwnerAndConnectsEachServiceWithItsOwnRoleAndARequiredPassword()
      throws IOException {
    Map<String, Object> migrate = SERVICES.get("migrate");
    assertThat(strings(migrate.get("volumes")))
        .containsExactly("./shared-model/src/main/resources/db/migration:/flyway/sql:ro");
    assertThat(environment(migrate)).containsEntry("FLYWAY_LOCATIONS", "filesystem:/flyway/sql");
    assertThat(dependencies(SERVICES.get("database-passwords")))
        .containsEntry("migrate", "service_completed_successfully");
    String passwords =
        Files.readString(ProjectFiles.resolve("deploy/postgres/service-passwords.sql"));
    StringBuilder migrations = new StringBuilder();
    try (var files =
        Files.list(ProjectFiles.resolve("shared-model/src/main/resources/db/migration"))) {
      for (var file : files.sorted().toList()) {
        migrations.append(Files.readString(file));
      }
    }
    String roles = migrations.toString();

    Map<String, String> roleOfService = new LinkedHashMap<>();
    onceflowServices()
        .forEach(
            (name, service) -> {
              Map<String, Object> environment = environment(service);
              if (!environment.containsKey("SPRING_DATASOURCE_URL")) {
                return;
              }
              String role = (String) environment.get("SPRING_DATASOURCE_USERNAME");
              roleOfService.put(name, role);
              assertThat(role).as(name + "'s role").matches("onceflow_[a-z]+");
              assertThat(roles).as("a migration creates " + role).contains("'" + role + "'");
              assertThat(passwords)
                  .as("a password for " + role)
                  .contains("ALTER ROLE " + role + " PASSWORD");
              assertThat((String) environment.get("SPRING_DATASOURCE_PASSWORD"))
                  .as(name)
                  .matches("\\$\\{ONCEFLOW_[A-Z]+_DB_PASSWORD:\\?.*");
              assertThat(environment)
                  .as(name + " does not migrate")
                  .containsEntry("SPRING_FLYWAY_ENABLED", "false");
              assertThat(startsAfterPasswordsAreSet(name))
                  .as(name + " starts after database-passwords")
                  .isTrue();
            });
    assertThat(roleOfService)
        .containsEntry("intake-api", "onceflow_intake")
        .containsEntry("outbox-relay", "onceflow_relay")
        .containsEntry("outbox-relay-standby", "onceflow_relay")
        .containsEntry("bank-worker", "onceflow_worker")
        .containsEntry("webhook-dispatcher", "onceflow_webhooks");
    assertThat((String) environment(SERVICES.get("postgres")).get("POSTGRES_PASSWORD"))
        .startsWith("${POSTGRES_PASSWORD:?");
  }

  /**
   * Whether {@code name} waits, itself or through what it waits for, for database-passwords to end
   * well.
   */
  private static boolean startsAfterPasswordsAreSet(String name) {
    Map<String, String> dependencies = dependencies(SERVICES.get(name));
    return "service_completed_successfully".equals(dependencies.get("database-passwords"))
        || dependencies.entrySet().stream()
            .anyMatch(
                dependency ->
                    !"service_started".equals(dependency.getValue())
                        && startsAfterPasswordsAreSet(dependency.getKey()));
  }

  @Test
  void letsTheWorkerScaleOut() {
    Map<String, Object> worker = SERVICES.get("bank-worker");

    assertThat(worker).doesNotContainKeys("container_name", "ports");
  }

  @Test
  void prometheusScrapesEveryOnceflowService() throws IOException {
    Map<String, Object> config;
    try (Reader in =
        Files.newBufferedReader(ProjectFiles.resolve("deploy/prometheus/prometheus.yml"))) {
      config = new Yaml().load(in);
    }
    Set<String> scraped = new TreeSet<>();
    for (Map<String, Object> job : list(config.get("scrape_configs"))) {
      assertThat(job)
          .as(job.get("job_name") + "")
          .containsEntry("metrics_path", "/actuator/prometheus");
      for (Map<String, Object> discovery : list(job.get("dns_sd_configs"))) {
        scraped.addAll(strings(discovery.get("names")));
      }
      for (Map<String, Object> targets : list(job.get("static_configs"))) {
        strings(targets.get("targets"))
            .forEach(target -> scraped.add(target.replaceAll(":\\d+$", "")));
      }
    }

    assertThat(scraped).containsAll(onceflowServices().keySet());
  }

  private static boolean readsOnceflowProperty(
      Map<String, ConfigurationKeys.Key> onceflow, String module, String variable) {
    String wanted = ConfigurationDocs.canonicalOfVariable(variable);
    return onceflow.values().stream()
        .anyMatch(
            key ->
                key.module().equals(module)
                    && ConfigurationDocs.canonical(key.name()).equals(wanted));
  }

  /** A Spring Boot property, or an entry of one of its map properties (such as logging.level). */
  private static boolean isSpringProperty(Map<String, String> spring, String variable) {
    String wanted = ConfigurationDocs.canonicalOfVariable(variable);
    if (wanted.startsWith("onceflow.")) {
      return false;
    }
    if (spring.containsKey(wanted)) {
      return true;
    }
    return spring.entrySet().stream()
        .anyMatch(
            property ->
                property.getValue().startsWith("java.util.Map<")
                    && wanted.startsWith(property.getKey() + "."));
  }

  private static Map<String, Map<String, Object>> onceflowServices() {
    Map<String, Map<String, Object>> built = new LinkedHashMap<>();
    SERVICES.forEach(
        (name, service) -> {
          if (service.containsKey("build")) {
            built.put(name, service);
          }
        });
    return built;
  }

  private static Path buildContext(Map<String, Object> service) {
    Object build = service.get("build");
    String context = build instanceof Map<?, ?> map ? (String) map.get("context") : (String) build;
    return ProjectFiles.root().resolve(context).normalize();
  }

  private static Path dockerfile(Map<String, Object> service) {
    Object build = service.get("build");
    Object file = build instanceof Map<?, ?> map ? map.get("dockerfile") : null;
    return buildContext(service).resolve(file == null ? "Dockerfile" : (String) file);
  }

  /** The Maven module an image is built from: its build context. */
  private static String module(Map<String, Object> service) {
    return buildContext(service).getFileName().toString();
  }

  private static String repository(String image) {
    int tag = image.lastIndexOf(':');
    return tag > image.lastIndexOf('/') ? image.substring(0, tag) : image;
  }

  /** Compose accepts a map or a list of NAME=value. */
  private static Map<String, Object> environment(Map<String, Object> service) {
    Object environment = service.get("environment");
    Map<String, Object> variables = new LinkedHashMap<>();
    if (environment instanceof Map<?, ?> map) {
      map.forEach((name, value) -> variables.put((String) name, value));
    } else if (environment instanceof List<?> entries) {
      for (Object entry : entries) {
        String text = (String) entry;
        int equals = text.indexOf('=');
        variables.put(
            equals < 0 ? text : text.substring(0, equals),
            equals < 0 ? null : text.substring(equals + 1));
      }
    }
    return variables;
  }

  /** depends_on as a map of service to condition; the short list form means service_started. */
  private static Map<String, String> dependencies(Map<String, Object> service) {
    Object dependsOn = service.get("depends_on");
    Map<String, String> dependencies = new LinkedHashMap<>();
    if (dependsOn instanceof Map<?, ?> map) {
      map.forEach(
          (name, settings) ->
              dependencies.put((String) name, (String) ((Map<?, ?>) settings).get("condition")));
    } else if (dependsOn instanceof List<?> names) {
      names.forEach(name -> dependencies.put((String) name, "service_started"));
    }
    return dependencies;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    return value == null ? List.of() : (List<Map<String, Object>>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object value) {
    return value == null ? List.of() : (List<String>) value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services() {
    try (Reader in = Files.newBufferedReader(ProjectFiles.resolve("docker-compose.yml"))) {
      Map<String, Object> compose = new Yaml().load(in);
      return (Map<String, Map<String, Object>>) compose.get("services");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

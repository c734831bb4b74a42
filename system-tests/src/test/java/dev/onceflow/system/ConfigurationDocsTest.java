package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.system.ConfigurationDocs.Row;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists exactly the onceflow.* properties the code reads, as the code has
 * them.
 */
class ConfigurationDocsTest {

  private static final Map<String, ConfigurationKeys.Key> CODE = ConfigurationKeys.read();
  private static final List<Row> DOCS = ConfigurationDocs.rows();

  @Test
  void findsTheBoundPropertiesOfEveryConfigurationPropertiesAnnotationInTheSources() {
    assertThat(ConfigurationKeys.boundPrefixes())
        .as("@ConfigurationProperties found on the classpath vs written in */src/main/java")
        .isEqualTo(ConfigurationKeys.annotatedPrefixes())
        .contains("onceflow.intake", "onceflow.relay", "onceflow.worker", "onceflow.simulator");
    assertThat(CODE)
        .containsKeys("onceflow.worker.retry.budget", "onceflow.simulator.faults.latency-ms.max");
  }

  @Test
  void documentsEveryPropertyTheCodeReads() {
    Set<String> missing = new TreeSet<>(CODE.keySet());
    missing.removeAll(documented());

    assertThat(missing).as("read by the code but missing from " + ConfigurationDocs.FILE).isEmpty();
  }

  @Test
  void documentsNoPropertyTheCodeDoesNotRead() {
    Set<String> stale = documented();
    stale.removeAll(CODE.keySet());

    assertThat(stale).as("in " + ConfigurationDocs.FILE + " but read by no code").isEmpty();
  }

  @Test
  void documentsEachPropertyOnce() {
    List<String> names = DOCS.stream().map(Row::property).toList();

    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void documentsTheDefaultsTheCodeDeclares() {
    for (Row row : DOCS) {
      ConfigurationKeys.Key key = CODE.get(row.property());
      if (key != null && key.defaultValue() != null) {
        assertThat(row.defaultValue())
            .as(row.property() + " default")
            .contains("`" + key.defaultValue() + "`");
      }
    }
  }

  @Test
  void namesTheEnvironmentVariableSpringBindsToEachProperty() {
    for (Row row : DOCS) {
      if (row.environmentVariable() != null) {
        assertThat(ConfigurationDocs.unquote(row.environmentVariable()))
            .as(row.property())
            .isEqualTo(ConfigurationDocs.environmentVariable(row.property()));
      }
    }
  }

  @Test
  void documentsOnlySpringPropertiesSpringBootKnows() {
    Map<String, String> spring = ConfigurationDocs.springProperties();
    List<String> unknown =
        DOCS.stream()
            .map(Row::property)
            .filter(
                name ->
                    name.matches("[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+")
                        && !name.startsWith("onceflow."))
            .filter(name -> !spring.containsKey(ConfigurationDocs.canonical(name)))
            .toList();

    assertThat(spring).containsKey("spring.datasource.url");
    assertThat(unknown).as("not in Spring Boot's configuration metadata").isEmpty();
  }

  private static Set<String> documented() {
    return DOCS.stream()
        .map(Row::property)
        .filter(name -> name.startsWith("onceflow."))
        .collect(Collectors.toCollection(TreeSet::new));
  }
}

package dev.onceflow.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/configuration.md read as data: the rows of its tables, and what Spring makes of property
 * names and environment variables.
 */
final class ConfigurationDocs {

  /**
   * One documented property.
   *
   * @param environmentVariable null in tables without that column
   * @param defaultValue the default cell as written
   */
  record Row(String property, String environmentVariable, String defaultValue) {}

  static final Path FILE = Path.of("docs/configuration.md");

  private ConfigurationDocs() {}

  /** Every table row whose first cell is one backquoted name, in file order. */
  static List<Row> rows() {
    List<String> lines;
    try {
      lines = Files.readAllLines(ProjectFiles.resolve(FILE.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Row> rows = new ArrayList<>();
    List<String> header = List.of();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.startsWith("|")) {
        continue;
      }
      List<String> cells = cells(line);
      if (i + 1 < lines.size() && lines.get(i + 1).startsWith("|---")) {
        header = cells;
        i++;
        continue;
      }
      String first = cells.get(0);
      if (!first.matches("`[^`]+`")) {
        continue;
      }
      rows.add(
          new Row(
              unquote(first),
              cell(header, cells, "environment variable"),
              cell(header, cells, "default")));
    }
    return rows;
  }

  /**
   * The environment variable Spring binds to a property: upper case, {@code _} for {@code .}, no
   * {@code -} (Spring Boot's relaxed binding of system environment variables).
   */
  static String environmentVariable(String property) {
    return property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** A property name in the form an environment variable can match: lower case, no dashes. */
  static String canonical(String property) {
    return property.replace("-", "").toLowerCase(Locale.ROOT);
  }

  /** An environment variable in the same form: lower case, {@code .} for {@code _}. */
  static String canonicalOfVariable(String variable) {
    return variable.toLowerCase(Locale.ROOT).replace('_', '.');
  }

  /**
   * The properties Spring Boot knows (its configuration metadata, in the jars on the test
   * classpath), by canonical name, with their declared type.
   */
  static Map<String, String> springProperties() {
    Map<String, String> properties = new HashMap<>();
    JsonMapper json = JsonMapper.builder().build();
    var resolver = new PathMatchingResourcePatternResolver();
    try {
      List<Resource> resources = new ArrayList<>();
      resources.addAll(
          Arrays.asList(
              resolver.getResources("classpath*:META-INF/spring-configuration-metadata.json")));
      resources.addAll(
          Arrays.asList(
              resolver.getResources(
                  "classpath*:META-INF/additional-spring-configuration-metadata.json")));
      for (Resource resource : resources) {
        try (InputStream in = resource.getInputStream()) {
          JsonNode metadata = json.readTree(in);
          for (JsonNode property : metadata.path("properties")) {
            properties.put(
                canonical(property.get("name").asString()), property.path("type").asString(""));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  private static List<String> cells(String line) {
    String trimmed = line.strip();
    String inner =
        trimmed.substring(1, trimmed.endsWith("|") ? trimmed.length() - 1 : trimmed.length());
    return Arrays.stream(inner.split("\\|", -1)).map(String::strip).toList();
  }

  private static String cell(List<String> header, List<String> cells, String column) {
    int index = header.indexOf(column);
    return index < 0 || index >= cells.size() ? null : cells.get(index);
  }

  static String unquote(String cell) {
    return cell.replaceAll("^`|`$", "");
  }
}

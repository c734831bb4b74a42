package dev.onceflow.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The metrics the provisioned Grafana dashboard queries, and the metrics a service exports. */
final class GrafanaDashboard {

  static final String FILE = "deploy/grafana/dashboards/onceflow.json";

  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern SELECTOR =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)\\}");
  private static final Pattern JOB = Pattern.compile("\\bjob\\s*=\\s*\"([^\"]+)\"");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-z]+");
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w:.$])[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan");

  private GrafanaDashboard() {}

  /** Every PromQL expression of the dashboard's panels (rows' nested panels included). */
  static List<String> expressions() {
    JsonNode dashboard;
    try {
      dashboard =
          JsonMapper.builder().build().readTree(Files.readString(ProjectFiles.resolve(FILE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> expressions = new ArrayList<>();
    collect(dashboard.path("panels"), expressions);
    return expressions;
  }

  /**
   * The metric names an expression reads, each with the jobs its selectors restrict it to (empty:
   * any service).
   */
  static Map<String, Set<String>> metrics(String expression) {
    Map<String, Set<String>> metrics = new TreeMap<>();
    String withoutRanges = OFFSET.matcher(RANGE.matcher(expression).replaceAll("")).replaceAll(" ");
    Matcher selector = SELECTOR.matcher(withoutRanges);
    StringBuilder rest = new StringBuilder();
    while (selector.find()) {
      Matcher job = JOB.matcher(selector.group(2));
      Set<String> jobs = new TreeSet<>();
      while (job.find()) {
        jobs.add(job.group(1));
      }
      String name = selector.group(1);
      if (name == null) {
        throw new IllegalArgumentException("a selector without a metric name in " + expression);
      }
      metrics.computeIfAbsent(name, n -> new TreeSet<>()).addAll(jobs);
      selector.appendReplacement(rest, " ");
    }
    selector.appendTail(rest);
    Matcher identifier = IDENTIFIER.matcher(LABEL_LIST.matcher(rest).replaceAll(" "));
    while (identifier.find()) {
      String token = identifier.group().strip();
      // A name followed by "(" is a function or an aggregation, not a metric.
      if (identifier.group(1) == null && !KEYWORDS.contains(token)) {
        metrics.computeIfAbsent(token, n -> new TreeSet<>());
      }
    }
    return metrics;
  }

  /** The metric names of the dashboard, with the jobs each is read from (empty: any). */
  static Map<String, Set<String>> metrics() {
    Map<String, Set<String>> metrics = new TreeMap<>();
    for (String expression : expressions()) {
      metrics(expression)
          .forEach(
              (name, jobs) -> metrics.computeIfAbsent(name, n -> new TreeSet<>()).addAll(jobs));
    }
    return metrics;
  }

  /** The names of the samples {@code baseUrl/actuator/prometheus} answers with. */
  static Set<String> exported(HttpClient http, String baseUrl)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          baseUrl + "/actuator/prometheus answered " + response.statusCode());
    }
    Set<String> names = new TreeSet<>();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static void collect(JsonNode panels, List<String> expressions) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          expressions.add(target.get("expr").asString());
        }
      }
      collect(panel.path("panels"), expressions);
    }
  }
}

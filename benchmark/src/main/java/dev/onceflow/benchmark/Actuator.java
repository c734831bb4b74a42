package dev.onceflow.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what the services publish about themselves (health, gauges, Prometheus histograms), for the
 * stack's start, the relay-lag phase and the draining matrix alike. A service that does not answer
 * reads as empty: the phases note a missing figure rather than end the run.
 */
final class Actuator {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static final Pattern GAUGE_VALUE =
      Pattern.compile("\"statistic\"\\s*:\\s*\"VALUE\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.eE+-]+)");

  private Actuator() {}

  /** The body of a GET, or "" when nothing answered. */
  static String get(String url, String bearer) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static boolean up(String managementUrl) {
    return get(managementUrl + "/actuator/health", null).contains("\"UP\"");
  }

  /**
   * One gauge, read through the actuator's metrics endpoint (the meter its Prometheus endpoint
   * shows), or NaN.
   */
  static double gauge(String managementUrl, String meter) {
    Matcher value = GAUGE_VALUE.matcher(get(managementUrl + "/actuator/metrics/" + meter, null));
    return value.find() ? Double.parseDouble(value.group(1)) : Double.NaN;
  }

  /**
   * A histogram's cumulative buckets from the Prometheus endpoint, of the series whose labels
   * include {@code label}: bucket bound (ms) -> observations at or below it.
   */
  static Map<Double, Long> bucketsMillis(String managementUrl, String histogram, String label) {
    Map<Double, Long> buckets = new TreeMap<>();
    String text = get(managementUrl + "/actuator/prometheus", null);
    Matcher bucket =
        Pattern.compile(
                "^"
                    + Pattern.quote(histogram)
                    + "_bucket\\{(?=[^}]*"
                    + Pattern.quote(label)
                    + ")[^}]*le=\"([^\"]+)\"[^}]*} ([0-9.eE+]+)$",
                Pattern.MULTILINE)
            .matcher(text);
    while (bucket.find()) {
      double bound =
          bucket.group(1).equals("+Inf")
              ? Double.POSITIVE_INFINITY
              : Double.parseDouble(bucket.group(1)) * 1000;
      buckets.put(bound, (long) Double.parseDouble(bucket.group(2)));
    }
    return buckets;
  }
}

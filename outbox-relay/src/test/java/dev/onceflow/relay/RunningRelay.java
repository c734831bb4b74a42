package dev.onceflow.relay;

import static org.awaitility.Awaitility.await;

import dev.onceflow.testing.SharedTestInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/** The relay application, started the way local-stack starts it. */
record RunningRelay(ConfigurableApplicationContext context, int managementPort)
    implements AutoCloseable {

  private static final HttpClient http = HttpClient.newHttpClient();

  /**
   * Starts the relay and waits until it streams: rows committed before its replication slot exists
   * would not be in the slot's stream.
   */
  static RunningRelay start(Map<String, String> properties) {
    int managementPort = SharedTestInfrastructure.freePort();
    Map<String, Object> all = new HashMap<>(properties);
    all.put("management.server.port", Integer.toString(managementPort));
    ConfigurableApplicationContext context =
        OutboxRelayApplication.application().properties(all).run();
    RunningRelay relay = new RunningRelay(context, managementPort);
    await().atMost(Duration.ofSeconds(30)).until(relay::healthy);
    return relay;
  }

  boolean healthy() throws Exception {
    return health().statusCode() == 200;
  }

  HttpResponse<String> health() throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + managementPort + "/actuator/health/outboxRelay"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The engine's state as the health endpoint reports it (RUNNING, STANDBY, ...). */
  String state() throws Exception {
    java.util.regex.Matcher state =
        java.util.regex.Pattern.compile("\"state\":\"(\\w+)\"").matcher(health().body());
    return state.find() ? state.group(1) : "UNKNOWN";
  }

  /** Events this relay instance has seen acknowledged by Kafka. */
  long published() {
    return (long) sum("onceflow.relay.events.published");
  }

  long restarts() {
    return (long) sum("onceflow.relay.engine.restarts");
  }

  MeterRegistry meters() {
    return context.getBean(MeterRegistry.class);
  }

  private double sum(String counter) {
    return meters().find(counter).counters().stream().mapToDouble(Counter::count).sum();
  }

  @Override
  public void close() {
    context.close();
  }
}

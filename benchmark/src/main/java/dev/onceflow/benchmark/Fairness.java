package dev.onceflow.benchmark;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client flooding intake, another sending at a steady rate: the steady client's latency alone
 * and under the flood, and what the flooding client gets. Runs against a second intake instance on
 * the stack's database (the stack's own intake runs unlimited for the throughput phases), with a
 * per-client rate set as an operator sets it: well below what one instance carries (on two shared
 * cores, with the whole stack beside it, some 150 payments a second), since a flood at the limit
 * takes that much from everyone else. The steady client's p99 is taken from {@link #ROUNDS} rounds
 * of alone then flooded, each as long as the phase: a p99 of a few hundred requests, or of two
 * stretches minutes apart, moves on two shared cores by as much as the flood does.
 */
final class Fairness {

  /** The steady client's open-loop rate. */
  static final double STEADY_RATE = 20;

  /** The flooding client's closed-loop connections. */
  static final int FLOOD_CONNECTIONS = 16;

  /** Rounds of the steady client alone, then flooded. */
  static final int ROUNDS = 3;

  /**
   * The second intake's per-client limit (requests a second) and burst, how long its 429s wait, and
   * whether the other client floods (closed loop, no think time) or sends open-loop at its limit, a
   * well-behaved client as busy as the limit lets the flood be: the control, what the flood's
   * accepted share costs the steady client by itself. In one run: refusals at once (as before they
   * were held) and held, at a limit of about a third of what the instance carries here with bursts
   * of as much; the control at that limit; and held at the steady client's own rate (a limit below
   * it would refuse the steady client too).
   */
  record Setting(int clientRate, int burst, Duration refusalDelay, boolean flood) {
    static final List<Setting> MEASURED =
        List.of(
            new Setting(30, 30, Duration.ZERO, true),
            new Setting(30, 30, Duration.ofSeconds(1), true),
            new Setting(30, 30, Duration.ofSeconds(1), false),
            new Setting(20, 20, Duration.ofSeconds(1), true));

    @Override
    public String toString() {
      return "limit %d/s, bursts of %d, 429 after %d ms, %s"
          .formatted(
              clientRate,
              burst,
              refusalDelay.toMillis(),
              flood
                  ? "flood of " + FLOOD_CONNECTIONS + " connections"
                  : "the other client open-loop at the limit");
    }

    HttpLoad.Run other(HttpLoad client, String name, Duration phase) throws InterruptedException {
      return flood
          ? client.closedLoop(name, FLOOD_CONNECTIONS, phase)
          : client.openLoop(name, clientRate, 16, phase);
    }
  }

  /** Each of the three is every round's runs together. */
  record Result(HttpLoad.Run alone, HttpLoad.Run flooded, HttpLoad.Run flood) {
    double ratio() {
      return flooded.latency.millis(0.99) / alone.latency.millis(0.99);
    }

    long floodAnswered(String status) {
      AtomicLong count = flood.refused.get(status);
      return count == null ? 0 : count.get();
    }

    /** What the flood got other than 202 and 429: errors and timeouts. */
    long floodOther() {
      return flood.refused.entrySet().stream()
          .filter(e -> !e.getKey().equals("429"))
          .mapToLong(e -> e.getValue().get())
          .sum();
    }
  }

  private static final Pattern ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
  private static final Pattern API_KEY = Pattern.compile("\"apiKey\":\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String adminKey;

  Fairness(String adminKey) {
    this.adminKey = adminKey;
  }

  Result measure(
      String java, Path stackJar, String jdbcUrl, Path log, Duration phase, Setting setting)
      throws Exception {
    int port = Processes.freePort();
    int managementPort = Processes.freePort();
    Process intake =
        new ProcessBuilder(
                java,
                "-Xmx384m",
                "-jar",
                stackJar.toString(),
                "service",
                "intake-api",
                "--server.port=" + port,
                "--management.server.port=" + managementPort,
                "--spring.datasource.url=" + jdbcUrl,
                "--onceflow.admin.api-key=" + adminKey,
                // Like the stack's intake: an instance without demo mode would retire the demo key.
                "--onceflow.demo.enabled=true",
                "--onceflow.intake.limits.requests-per-second=" + setting.clientRate(),
                "--onceflow.intake.limits.burst=" + setting.burst(),
                "--onceflow.intake.limits.refusal-delay="
                    + setting.refusalDelay().toMillis()
                    + "ms")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitUp(intake, "http://localhost:" + managementPort + "/actuator/health", log);
      String url = "http://localhost:" + port;
      HttpLoad steady = load(url, "steady client");
      HttpLoad flooding = load(url, "flooding client");
      // A new JVM: both paths (accepted, and 429) get compiled before anything is measured.
      Benchmark.progress("  warm-up of the second intake: %d s of both clients", phase.toSeconds());
      flooded(steady, "warm-up", flooding, phase, setting);
      List<HttpLoad.Run> alone = new ArrayList<>();
      List<HttpLoad.Run[]> flooded = new ArrayList<>();
      for (int round = 1; round <= ROUNDS; round++) {
        Benchmark.progress(
            "  round %d of %d: steady client alone, %d s open-loop at %.0f/s",
            round, ROUNDS, phase.toSeconds(), STEADY_RATE);
        alone.add(steady.openLoop("steady alone " + round, STEADY_RATE, 16, phase));
        Benchmark.progress(
            "  round %d of %d: steady client again, while the other sends (%s)",
            round, ROUNDS, setting);
        flooded.add(flooded(steady, "round " + round, flooding, phase, setting));
      }
      return new Result(
          HttpLoad.Run.combined("steady alone", alone),
          HttpLoad.Run.combined("steady flooded", flooded.stream().map(runs -> runs[0]).toList()),
          HttpLoad.Run.combined("flood", flooded.stream().map(runs -> runs[1]).toList()));
    } finally {
      intake.destroy();
      if (!intake.waitFor(30, TimeUnit.SECONDS)) {
        intake.destroyForcibly();
      }
    }
  }

  /**
   * The steady client for {@code phase} while the other sends ({@code setting}) from a second
   * before it until the steady client is done: the steady client's run, then the other's.
   */
  private static HttpLoad.Run[] flooded(
      HttpLoad steady, String name, HttpLoad other, Duration phase, Setting setting)
      throws Exception {
    CompletableFuture<HttpLoad.Run> flood =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return setting.other(other, "flood " + name, phase.plusSeconds(1));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });
    Benchmark.sleep(1000);
    HttpLoad.Run run = steady.openLoop("steady " + name, STEADY_RATE, 16, phase);
    // The other's last answers (a held 429 comes a refusal delay later) end before the next round.
    return new HttpLoad.Run[] {run, flood.get(phase.toSeconds() + 180, TimeUnit.SECONDS)};
  }

  /** A new client with a funded account, through the admin API, as a load of its own. */
  private HttpLoad load(String url, String name) throws Exception {
    String client = post(url + "/admin/clients", "{\"name\":\"" + name + "\"}");
    Matcher id = ID.matcher(client);
    Matcher key = API_KEY.matcher(client);
    if (!id.find() || !key.find()) {
      throw new IllegalStateException("cannot create a client: " + client);
    }
    Matcher account =
        ID.matcher(
            post(
                url + "/admin/clients/" + id.group(1) + "/accounts",
                "{\"currency\":\"EUR\",\"openingBalance\":1000000000000}"));
    if (!account.find()) {
      throw new IllegalStateException("cannot open an account for " + name);
    }
    return new HttpLoad(
        new HttpLoad.Target(url + "/transactions", key.group(1), 202, List.of(account.group(1))));
  }

  private String post(String url, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + adminKey)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "fairness-" + UUID.randomUUID())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(url + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  private void awaitUp(Process process, String health, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the second intake exited; see " + log);
      }
      try {
        if (http.send(
                HttpRequest.newBuilder(URI.create(health)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body()
            .contains("\"UP\"")) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Benchmark.sleep(250);
    }
    throw new IllegalStateException("the second intake did not start in 120 s; see " + log);
  }
}

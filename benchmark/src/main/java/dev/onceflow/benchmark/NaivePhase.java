package dev.onceflow.benchmark;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

/**
 * The same open-loop load against Onceflow's intake and against {@link NaiveServer}, which calls
 * the bank inside the request, with the bank at {@link #BANK_LATENCY_MS}: what answering before the
 * bank call buys a client, as intake latency.
 */
record NaivePhase(StackProcess stack, HttpLoad intake, EventTracker events) {

  static final int BANK_LATENCY_MS = 50;

  /** Both intake runs; the naive one went to the SQL ceiling's database. */
  record Naive(HttpLoad.Run async, HttpLoad.Run naive) {

    double p99Ratio() {
      return naive.latency.millis(0.99) / async.latency.millis(0.99);
    }
  }

  /**
   * Leaves the bank at {@link #BANK_LATENCY_MS}; waits for the async run's payments before it
   * returns, so that the next phase starts without them.
   */
  Naive measure(
      double rate,
      Duration duration,
      String ceilingJdbcUrl,
      Duration drainLimit,
      List<String> notes)
      throws Exception {
    Benchmark.progress(
        "Naive vs async at %d ms bank latency: %d s open-loop at %.0f/s each",
        BANK_LATENCY_MS, duration.toSeconds(), rate);
    stack.bankLatency(BANK_LATENCY_MS);
    HttpLoad.Run async = intake.openLoop("async@50ms", rate, 64, duration);
    HttpLoad.Run naive;
    try (Connection connection =
            DriverManager.getConnection(ceilingJdbcUrl, StackProcess.DB_USER, "");
        NaiveServer server =
            new NaiveServer(ceilingJdbcUrl, StackProcess.DB_USER, stack.bankUrl(), 64, 20)) {
      HttpLoad naiveLoad =
          new HttpLoad(
              new HttpLoad.Target(
                  server.url(), StackProcess.DEMO_KEY, 201, SqlCeiling.accountIds(connection)));
      naive = naiveLoad.openLoop("naive@50ms", rate, 64, duration);
    }
    Benchmark.progress(
        "  intake p99: async %.1f ms, naive %.1f ms",
        async.latency.millis(0.99), naive.latency.millis(0.99));
    events.awaitFinal(async, drainLimit, notes);
    return new Naive(async, naive);
  }
}

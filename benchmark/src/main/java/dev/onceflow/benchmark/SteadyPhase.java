package dev.onceflow.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Intake at a fixed rate well below saturation, open-loop: the latencies a client sees in normal
 * operation (intake, end to end, relay lag), which a saturated pipeline's queues would hide.
 */
record SteadyPhase(HttpLoad intake, EventTracker events, String relayManagementUrl) {

  /**
   * The open-loop run; 202 -> completion; 202 -> request record on the topic; and the relay's
   * commit->ack lag over the same records.
   */
  record Steady(HttpLoad.Run run, Latencies e2e, Latencies visible, RelayLag relay) {}

  Steady measure(double rate, Duration duration, Duration drainLimit, List<String> notes)
      throws InterruptedException {
    Benchmark.progress("Steady load: %d s open-loop at %.0f/s", duration.toSeconds(), rate);
    Map<Double, Long> relayBefore = RelayLag.buckets(relayManagementUrl);
    HttpLoad.Run run = intake.openLoop("steady", rate, 64, duration);
    Latencies e2e = events.awaitFinal(run, drainLimit, notes);
    Latencies visible = events.untilRequested(run);
    RelayLag relay = RelayLag.between(relayBefore, RelayLag.buckets(relayManagementUrl));
    Benchmark.progress(
        "  steady: intake %s; e2e %s; relay commit->ack p99 <= %.0f ms",
        Report.latency(run.latency, true), Report.latency(e2e, false), relay.p99());
    return new Steady(run, e2e, visible, relay);
  }
}

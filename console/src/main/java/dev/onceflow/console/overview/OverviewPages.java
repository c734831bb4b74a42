package dev.onceflow.console.overview;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The overview, whole at {@code /}, and its figures alone at {@code /overview/live}: the page's
 * script swaps them in every few seconds, and without a script the page is a snapshot.
 */
@Controller
class OverviewPages {

  static final String LIVE = "/overview/live";

  private final OverviewReads reads;
  private final KafkaReads kafka;
  private final Clock clock;

  OverviewPages(OverviewReads reads, KafkaReads kafka, Clock clock) {
    this.reads = reads;
    this.kafka = kafka;
    this.clock = clock;
  }

  @GetMapping("/")
  String overview(Model model) {
    model.addAttribute("overview", read());
    return "console/overview";
  }

  @GetMapping(LIVE)
  String live(Model model) {
    model.addAttribute("overview", read());
    return "console/overview :: live";
  }

  private Overview read() {
    Instant now = clock.instant();
    Map<String, Long> byState = reads.countByState();
    return new Overview(
        byState,
        byState.values().stream().mapToLong(Long::longValue).sum(),
        reads.oldestUnknown(now),
        reads.unansweredCalls(),
        reads.throughput(now),
        reads.latency(now),
        reads.relaySlot(),
        reads.heartbeat(now),
        kafka.read(),
        now);
  }
}

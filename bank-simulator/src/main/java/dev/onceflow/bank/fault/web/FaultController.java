package dev.onceflow.bank.fault.web;

import dev.onceflow.bank.fault.FaultSettings;
import dev.onceflow.bank.fault.Faults;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads and replaces the faults in force. */
@RestController
@RequestMapping("/faults")
class FaultController {

  static final URI INVALID_FAULTS = URI.create("https://onceflow.dev/problems/bank/invalid-faults");

  private static final Set<String> FAULT_FIELDS =
      Arrays.stream(FaultsRequest.class.getRecordComponents())
          .map(RecordComponent::getName)
          .collect(Collectors.toUnmodifiableSet());
  private static final Set<String> LATENCY_FIELDS = Set.of("min", "max");

  private final FaultSettings settings;
  private final JsonMapper json;

  FaultController(FaultSettings settings, JsonMapper json) {
    this.settings = settings;
    this.json = json;
  }

  @GetMapping
  Faults current() {
    return settings.current();
  }

  /**
   * Replaces every setting (PUT): a field left out takes its default (no fault, the default hold,
   * Retry-After, trickle pace and settle delay), so {@code {}} clears every fault. Invalid settings
   * change nothing.
   */
  @PutMapping
  ResponseEntity<?> replace(@RequestBody JsonNode body) {
    FaultsRequest request;
    try {
      request = read(body);
    } catch (IllegalArgumentException | JacksonException e) {
      return invalid(List.of(e.getMessage()));
    }
    List<String> problems = settings.replace(request.toFaults());
    if (!problems.isEmpty()) {
      return invalid(problems);
    }
    return ResponseEntity.ok(settings.current());
  }

  /**
   * Unknown fields are refused here rather than by Jackson, which Spring Boot configures to ignore
   * them: a misspelt rate must not be silently taken for "no fault".
   */
  private FaultsRequest read(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    unknownFields(body, FAULT_FIELDS, "");
    JsonNode latency = body.get("latencyMs");
    if (latency != null && latency.isObject()) {
      unknownFields(latency, LATENCY_FIELDS, "latencyMs.");
    }
    return json.treeToValue(body, FaultsRequest.class);
  }

  private static void unknownFields(JsonNode node, Set<String> known, String prefix) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!known.contains(field.getKey())) {
        throw new IllegalArgumentException("unknown field " + prefix + field.getKey());
      }
    }
  }

  private static ResponseEntity<ProblemDetail> invalid(List<String> problems) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, String.join("; ", problems));
    problem.setType(INVALID_FAULTS);
    problem.setTitle("Invalid faults");
    problem.setProperty("errors", problems);
    return ResponseEntity.badRequest()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }

  /** The body of PUT /faults. Boxed, so that a field left out is told apart from a 0. */
  record FaultsRequest(
      Double errorRate,
      Double commitThenFailRate,
      Double timeoutRate,
      Double declineRate,
      Double throttleRate,
      LatencyRequest latencyMs,
      Long timeoutHoldMs,
      Long retryAfterSeconds,
      Double lookupErrorRate,
      Double trickleRate,
      Long trickleByteMs,
      Double pendingRate,
      Long pendingSettleMs,
      Double pendingRejectRate) {

    record LatencyRequest(Long min, Long max) {}

    Faults toFaults() {
      Faults none = Faults.NONE;
      return new Faults(
          orDefault(errorRate, none.errorRate()),
          orDefault(commitThenFailRate, none.commitThenFailRate()),
          orDefault(timeoutRate, none.timeoutRate()),
          orDefault(declineRate, none.declineRate()),
          orDefault(throttleRate, none.throttleRate()),
          latencyMs == null
              ? none.latencyMs()
              : new Faults.Latency(orDefault(latencyMs.min(), 0L), orDefault(latencyMs.max(), 0L)),
          orDefault(timeoutHoldMs, none.timeoutHoldMs()),
          orDefault(retryAfterSeconds, none.retryAfterSeconds()),
          orDefault(lookupErrorRate, none.lookupErrorRate()),
          orDefault(trickleRate, none.trickleRate()),
          orDefault(trickleByteMs, none.trickleByteMs()),
          orDefault(pendingRate, none.pendingRate()),
          orDefault(pendingSettleMs, none.pendingSettleMs()),
          orDefault(pendingRejectRate, none.pendingRejectRate()));
    }

    private static <T> T orDefault(T value, T fallback) {
      return value == null ? fallback : value;
    }
  }
}

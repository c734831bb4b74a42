package dev.onceflow.bank.fault;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the simulated bank does wrong, and how often. Rates are fractions of {@code POST /payments}
 * calls; one draw per call picks at most one of the seven call faults ({@code errorRate}, {@code
 * commitThenFailRate}, {@code timeoutRate}, {@code declineRate}, {@code throttleRate}, {@code
 * trickleRate}, {@code pendingRate}), so their sum may not exceed 1.
 *
 * @param errorRate answers 500 before executing anything
 * @param commitThenFailRate executes and stores the payment, then answers 500 or drops the
 *     connection (half each)
 * @param timeoutRate holds the request for {@code timeoutHoldMs}, past the client's timeout; the
 *     payment is executed before the hold, after it, or not at all (a third each)
 * @param declineRate refuses a new payment with 402 or 422; the decline is stored like a result, so
 *     the same key is declined again
 * @param throttleRate answers 429 with {@code Retry-After: retryAfterSeconds}, executing nothing
 * @param latencyMs extra latency of every payment call, uniform between min and max
 * @param timeoutHoldMs how long a timeout holds the request; keep it above the client's read
 *     timeout
 * @param retryAfterSeconds what a throttled answer asks the client to wait
 * @param lookupErrorRate answers 500 to {@code GET /payments?idempotencyKey=}; a lookup that is
 *     answered is always true (reconciliation depends on it)
 * @param trickleRate executes and stores the payment as usual, then sends the status line and the
 *     headers (with the full Content-Length) at once and the body one byte at a time, flushed, with
 *     {@code trickleByteMs} before each byte: a client whose only limit is a socket read timeout
 *     above {@code trickleByteMs} never times out, though the answer takes body length &times;
 *     {@code trickleByteMs}
 * @param trickleByteMs the wait before each byte of a trickled answer
 * @param pendingRate accepts a new payment without settling it (ISO 20022's ACSP): it is stored
 *     {@code PENDING} and answered 202, and so is the same key again (a lookup answers 200 {@code
 *     PENDING}) until {@code pendingSettleMs} after the acceptance, when it resolves to {@code
 *     SETTLED}, or to {@code DECLINED} (422) for a share {@code pendingRejectRate} of them; from
 *     then on it is answered as a payment settled or declined at once. A repeated key is answered
 *     from the ledger whatever was drawn
 * @param pendingSettleMs how long after its acceptance a pending payment resolves
 * @param pendingRejectRate the share of pending payments that end rejected rather than settled,
 *     drawn at acceptance (not one of the call faults: it splits {@code pendingRate})
 */
public record Faults(
    double errorRate,
    double commitThenFailRate,
    double timeoutRate,
    double declineRate,
    double throttleRate,
    @DefaultValue Latency latencyMs,
    @DefaultValue("6000") long timeoutHoldMs,
    @DefaultValue("1") long retryAfterSeconds,
    double lookupErrorRate,
    double trickleRate,
    @DefaultValue("1000") long trickleByteMs,
    double pendingRate,
    @DefaultValue("30000") long pendingSettleMs,
    double pendingRejectRate) {

  /**
   * Upper bound of any configured wait, so that a typo cannot park the bank's threads for hours.
   */
  static final long MAX_WAIT_MS = 300_000;

  public static final long DEFAULT_TIMEOUT_HOLD_MS = 6_000;
  public static final long DEFAULT_RETRY_AFTER_SECONDS = 1;
  public static final long DEFAULT_TRICKLE_BYTE_MS = 1_000;
  public static final long DEFAULT_PENDING_SETTLE_MS = 30_000;

  /** A bank that does everything right. */
  public static final Faults NONE =
      new Faults(
          0,
          0,
          0,
          0,
          0,
          Latency.NONE,
          DEFAULT_TIMEOUT_HOLD_MS,
          DEFAULT_RETRY_AFTER_SECONDS,
          0,
          0,
          DEFAULT_TRICKLE_BYTE_MS,
          0,
          DEFAULT_PENDING_SETTLE_MS,
          0);

  /**
   * @param min shortest added latency in milliseconds
   * @param max longest added latency in milliseconds
   */
  public record Latency(long min, long max) {
    public static final Latency NONE = new Latency(0, 0);
  }

  public Faults {
    latencyMs = latencyMs == null ? Latency.NONE : latencyMs;
  }

  /** What is wrong with these settings; empty when they are valid. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    rate(problems, "errorRate", errorRate);
    rate(problems, "commitThenFailRate", commitThenFailRate);
    rate(problems, "timeoutRate", timeoutRate);
    rate(problems, "declineRate", declineRate);
    rate(problems, "throttleRate", throttleRate);
    rate(problems, "lookupErrorRate", lookupErrorRate);
    rate(problems, "trickleRate", trickleRate);
    rate(problems, "pendingRate", pendingRate);
    rate(problems, "pendingRejectRate", pendingRejectRate);
    double callFaults =
        errorRate
            + commitThenFailRate
            + timeoutRate
            + declineRate
            + throttleRate
            + trickleRate
            + pendingRate;
    // A small tolerance: 0.1 + 0.2 + 0.7 is 1.0000000000000002 in doubles.
    if (callFaults > 1 + 1e-9) {
      problems.add(
          "errorRate + commitThenFailRate + timeoutRate + declineRate + throttleRate + trickleRate + pendingRate"
              + " must not exceed 1, is "
              + callFaults);
    }
    wait(problems, "latencyMs.min", latencyMs.min());
    wait(problems, "latencyMs.max", latencyMs.max());
    if (latencyMs.min() > latencyMs.max()) {
      problems.add(
          "latencyMs.min ("
              + latencyMs.min()
              + ") must not exceed latencyMs.max ("
              + latencyMs.max()
              + ")");
    }
    wait(problems, "timeoutHoldMs", timeoutHoldMs);
    wait(problems, "retryAfterSeconds", retryAfterSeconds * 1000);
    wait(problems, "trickleByteMs", trickleByteMs);
    wait(problems, "pendingSettleMs", pendingSettleMs);
    return problems;
  }

  private static void rate(List<String> problems, String name, double value) {
    if (!(value >= 0 && value <= 1)) { // also refuses NaN
      problems.add(name + " must be between 0 and 1, is " + value);
    }
  }

  private static void wait(List<String> problems, String name, long millis) {
    if (millis < 0 || millis > MAX_WAIT_MS) {
      problems.add(name + " must be between 0 and " + MAX_WAIT_MS + " ms");
    }
  }
}

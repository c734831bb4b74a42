package dev.onceflow.bank.fault;

import java.time.Duration;

/**
 * What the bank will do wrong with one {@code POST /payments}, drawn before it starts on it.
 *
 * @param latency added before anything else
 * @param fault the one call fault, or {@link Fault#NONE}
 * @param decline the decline to store if the call executes a new payment; null to settle it
 * @param hold how long a timeout holds the request
 * @param retryAfter what a throttled answer asks for
 */
public record FaultPlan(Duration latency, Fault fault, Decline decline, Duration hold, Duration retryAfter) {

  /** At most one per call. */
  public enum Fault {
    NONE,
    /** 500 before executing. */
    ERROR,
    /** 429 with Retry-After, before executing. */
    THROTTLE,
    /** Executes, then holds the answer past the client's timeout. */
    EXECUTE_THEN_HOLD,
    /** Holds past the client's timeout, then executes: the payment lands after the client gave up. */
    HOLD_THEN_EXECUTE,
    /** Holds past the client's timeout and executes nothing. */
    HOLD_ONLY,
    /** Executes and stores, then answers 500. */
    COMMIT_THEN_ERROR,
    /** Executes and stores, then drops the connection in the middle of the answer. */
    COMMIT_THEN_DROP
  }

  /**
   * A refusal, stored like a result.
   *
   * @param status 402 or 422
   * @param reason shown to the client as the problem's detail
   */
  public record Decline(int status, String reason) {}
}

package dev.onceflow.bank.fault;

import java.time.Duration;

/**
 * What the bank will do wrong with one {@code POST /payments}, drawn before it starts on it.
 *
 * @param latency added before anything else
 * @param fault the one call fault, or {@link Fault#NONE}
 * @param decline the decline to store if the call executes a new payment; null to settle it
 * @param pending if the call executes a new payment, accept it as pending and resolve it later;
 *     null to settle or decline it at once
 * @param hold how long a timeout holds the request
 * @param retryAfter what a throttled answer asks for
 * @param trickleByte the wait before each byte of a trickled answer
 */
public record FaultPlan(
    Duration latency,
    Fault fault,
    Decline decline,
    Pending pending,
    Duration hold,
    Duration retryAfter,
    Duration trickleByte) {

  /** At most one per call. */
  public enum Fault {
    NONE,
    /** 500 before executing. */
    ERROR,
    /** 429 with Retry-After, before executing. */
    THROTTLE,
    /** Executes, then holds the answer past the client's timeout. */
    EXECUTE_THEN_HOLD,
    /**
     * Holds past the client's timeout, then executes: the payment lands after the client gave up.
     */
    HOLD_THEN_EXECUTE,
    /** Holds past the client's timeout and executes nothing. */
    HOLD_ONLY,
    /** Executes and stores, then answers 500. */
    COMMIT_THEN_ERROR,
    /** Executes and stores, then drops the connection in the middle of the answer. */
    COMMIT_THEN_DROP,
    /** Executes and stores, then sends the headers at once and the body one byte at a time. */
    TRICKLE
  }

  /**
   * A refusal, stored like a result.
   *
   * @param status 402 or 422
   * @param reason shown to the client as the problem's detail
   */
  public record Decline(int status, String reason) {}

  /**
   * An acceptance that is not a settlement yet (ISO 20022's ACSP): the payment is stored PENDING
   * and resolves {@code resolveAfter} later. What it resolves to is drawn now, with the call.
   *
   * @param resolveAfter how long after the acceptance it resolves
   * @param rejection the decline it ends in; null when it ends SETTLED
   */
  public record Pending(Duration resolveAfter, Decline rejection) {}
}

package dev.onceflow.model;

/** Why a transaction ended FAILED; shown to clients as {@code failure.code}. */
public enum FailureCode {
  /** Available funds (balance minus reserved) did not cover the amount at intake or confirm. */
  INSUFFICIENT_FUNDS,
  /** A draft was not confirmed within its time to live; nothing was ever reserved or sent. */
  DRAFT_EXPIRED,
  /** The bank definitively refused the payment (for example 402 or 422). */
  DECLINED,
  /**
   * The retry budget or the deadline was spent, and the bank then confirmed it holds no payment for
   * the key.
   */
  RETRIES_EXHAUSTED,
  /** An operator decided an UNKNOWN transaction failed (audited in ops_audit with the reason). */
  OPERATOR_DECISION
}

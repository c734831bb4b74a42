package dev.onceflow.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a payment transaction and the only transitions allowed between them. Every
 * transition in the code is one conditional UPDATE guarded by the source state, in the
 * transaction-store module's {@code TransactionTransitions}; after every test of intake, the
 * worker, the sweeper and the ops commands, the testing module's {@code TransitionAudit} checks
 * each state change the database saw against {@link #canBecome(TransactionState)}.
 */
public enum TransactionState {

  /**
   * Created by the two-step flow and waiting for the client's confirm: nothing is reserved, no
   * event is published, no worker ever touches it. The confirm makes it PENDING (funds reserved,
   * event written) or FAILED (insufficient funds); a draft not confirmed in time becomes FAILED
   * (draft expired); the client may cancel it (CANCELLED).
   */
  DRAFT,

  /**
   * Accepted at intake (or put back after a transient failure); waits for a worker to claim it. The
   * client may cancel it only while no worker ever claimed it (no call was ever sent to the bank).
   */
  PENDING,

  /** Claimed by one worker under a lease; the bank call is in flight or its outcome unrecorded. */
  PROCESSING,

  /**
   * No more payment calls will be made (the retry budget or the deadline is spent, or the bank
   * answered "pending"), and whether the bank executed the payment is not known yet. Lookups by key
   * repeat with a capped backoff until the bank answers definitively: settled (COMPLETED), declined
   * or rejected (FAILED), or "holds nothing" at a time when no call can still land (FAILED). An
   * operator may decide instead. Funds stay reserved until then.
   */
  UNKNOWN,

  /** The bank settled the payment for the transaction's external key. Final. */
  COMPLETED,

  /**
   * Refused: insufficient funds at intake or at a draft's confirm, a draft not confirmed in time,
   * declined by the bank, or retries exhausted with the bank confirming it holds no payment. Funds
   * are released. Only an ops retry of a failure the bank caused reopens it.
   */
  FAILED,

  /**
   * Cancelled by the client before anything was sent to the bank: a draft, or a PENDING transaction
   * no worker ever claimed; whatever was reserved is released. Final.
   */
  CANCELLED;

  private static final Map<TransactionState, Set<TransactionState>> ALLOWED =
      Map.of(
          DRAFT, EnumSet.of(PENDING, FAILED, CANCELLED),
          PENDING, EnumSet.of(PROCESSING, CANCELLED),
          PROCESSING, EnumSet.of(PENDING, UNKNOWN, COMPLETED, FAILED),
          UNKNOWN, EnumSet.of(COMPLETED, FAILED),
          COMPLETED, EnumSet.noneOf(TransactionState.class),
          FAILED, EnumSet.of(PENDING),
          CANCELLED, EnumSet.noneOf(TransactionState.class));

  /** Whether a single transition from this state to {@code target} is allowed. */
  public boolean canBecome(TransactionState target) {
    return ALLOWED.get(this).contains(target);
  }

  /** Whether no worker will touch the transaction again (COMPLETED, FAILED or CANCELLED). */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /**
   * Whether the transaction's amount is held in its account's {@code reserved}: from the moment it
   * is accepted (PENDING) until it is final. A DRAFT holds nothing, so the money invariant reads
   * {@code reserved = sum of amounts of PENDING, PROCESSING and UNKNOWN transactions}.
   */
  public boolean reservesFunds() {
    return this == PENDING || this == PROCESSING || this == UNKNOWN;
  }
}

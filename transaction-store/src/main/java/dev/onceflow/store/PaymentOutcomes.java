package dev.onceflow.store;

import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import java.time.Instant;

/**
 * A payment's final outcome as one unit, for whoever holds the row (a worker's claim, an operator's
 * lock): the row's transition, its event and its account's funds, all in the caller's DB
 * transaction, so they commit together or not at all.
 */
public final class PaymentOutcomes {

  private final TransactionTransitions transactions;
  private final AccountFunds funds;
  private final OutboxWriter outbox;

  public PaymentOutcomes(
      TransactionTransitions transactions, AccountFunds funds, OutboxWriter outbox) {
    this.transactions = transactions;
    this.funds = funds;
    this.outbox = outbox;
  }

  /**
   * COMPLETED with the bank's reference, the amount paid out of the account; false if the row moved
   * on.
   */
  public boolean complete(HeldTransaction payment, String bankReference, Instant now) {
    if (!transactions.complete(payment, bankReference, now)) {
      return false;
    }
    outbox.append(EventType.TRANSACTION_COMPLETED, payment.id(), now);
    // Last before the commit: every payment of an account waits for this row's lock, which is held
    // until the commit, so nothing else runs while it is held.
    funds.settle(payment, now);
    return true;
  }

  /** FAILED with {@code code}, the reserved amount released; false if the row moved on. */
  public boolean fail(HeldTransaction payment, FailureCode code, String detail, Instant now) {
    if (!transactions.fail(payment, code, detail, now)) {
      return false;
    }
    outbox.append(EventType.TRANSACTION_FAILED, payment.id(), now);
    // Last before the commit, as in complete().
    funds.release(payment, now);
    return true;
  }
}

package dev.onceflow.worker.bank;

/** What {@code GET /payments?idempotencyKey=} told the worker (reconciliation). */
public sealed interface LookupResult {

  /** A short, low-cardinality name for metrics. */
  String outcomeClass();

  /** The bank holds a payment for the key. */
  record Found(String paymentId, String status, String declineReason) implements LookupResult {

    public boolean isSettled() {
      return BankClient.SETTLED.equals(status);
    }

    public boolean isDeclined() {
      return BankClient.DECLINED.equals(status);
    }

    /** Accepted by the bank, not settled or rejected yet. */
    public boolean isPending() {
      return BankClient.PENDING.equals(status);
    }

    @Override
    public String outcomeClass() {
      return isSettled()
          ? "settled"
          : isDeclined() ? "declined" : isPending() ? "pending" : "other";
    }
  }

  /** The bank answered that it holds no payment for the key. */
  record NotFound() implements LookupResult {
    @Override
    public String outcomeClass() {
      return "not-found";
    }
  }

  /** No trustworthy answer: the bank may or may not hold a payment. */
  record Unreachable(String detail) implements LookupResult {
    @Override
    public String outcomeClass() {
      return "unreachable";
    }
  }
}

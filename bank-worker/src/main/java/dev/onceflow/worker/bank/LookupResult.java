package dev.onceflow.worker.bank;

/** What {@code GET /payments?idempotencyKey=} told the worker (reconciliation). */
public sealed interface LookupResult {

  /** A short, low-cardinality name for metrics. */
  String outcomeClass();

  /** The HTTP status of the bank's answer; null when no answer came. */
  Integer httpStatus();

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

    /** Only a 200 answer names a payment. */
    @Override
    public Integer httpStatus() {
      return 200;
    }
  }

  /** The bank answered that it holds no payment for the key. */
  record NotFound() implements LookupResult {
    @Override
    public String outcomeClass() {
      return "not-found";
    }

    /** Only a 404 answer in the bank's own JSON proves the absence. */
    @Override
    public Integer httpStatus() {
      return 404;
    }
  }

  /** No trustworthy answer: the bank may or may not hold a payment. */
  record Unreachable(String detail, Integer httpStatus) implements LookupResult {

    /** No answer at all: a timeout, an I/O error, the call's deadline. */
    public Unreachable(String detail) {
      this(detail, null);
    }

    @Override
    public String outcomeClass() {
      return "unreachable";
    }
  }
}

package dev.onceflow.worker.bank;

import java.time.Duration;
import java.util.Optional;

/** What one {@code POST /payments} told the worker. */
public sealed interface PaymentResult {

  /** A short, low-cardinality name for metrics. */
  String outcomeClass();

  /** The HTTP status of the bank's answer; null when no answer came. */
  Integer httpStatus();

  /** The bank settled the payment (first call or a replay of the stored result). */
  record Settled(String paymentId, Integer httpStatus) implements PaymentResult {
    @Override
    public String outcomeClass() {
      return "settled";
    }
  }

  /**
   * The bank accepted the payment but has not settled it (ISO 20022's ACSP): it holds the payment,
   * and only a later lookup tells whether it settled or was rejected.
   */
  record Accepted(String paymentId, Integer httpStatus) implements PaymentResult {
    @Override
    public String outcomeClass() {
      return "pending";
    }
  }

  /** The bank definitively refused the payment; it holds no settled payment for the key. */
  record Declined(int status, String detail) implements PaymentResult {
    @Override
    public String outcomeClass() {
      return "declined";
    }

    @Override
    public Integer httpStatus() {
      return status;
    }
  }

  /**
   * The payment may or may not have been executed (5xx, 408, 409, 429, timeout, I/O error): only a
   * later call with the same key, or a lookup by key, can tell.
   *
   * @param cause a low-cardinality label such as {@code server-error} or {@code timeout}
   * @param retryAfter how long the bank asked us to wait, when it said so
   * @param httpStatus the status of the bank's answer, null when none came
   */
  record Unknown(String cause, String detail, Duration retryAfter, Integer httpStatus)
      implements PaymentResult {

    /** No answer at all: a timeout, an I/O error, the call's deadline. */
    public Unknown(String cause, String detail, Duration retryAfter) {
      this(cause, detail, retryAfter, null);
    }

    @Override
    public String outcomeClass() {
      return "unknown";
    }

    public Optional<Duration> retryAfterHint() {
      return Optional.ofNullable(retryAfter);
    }
  }
}

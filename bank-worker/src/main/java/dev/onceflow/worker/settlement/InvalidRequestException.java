package dev.onceflow.worker.settlement;

/** A record on the request topic that is not a TransactionRequested event the worker can act on. */
class InvalidRequestException extends RuntimeException {

  private final String reason;

  /**
   * @param reason a short, low-cardinality label (metrics, the dead-letter header)
   */
  InvalidRequestException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  String reason() {
    return reason;
  }
}

package dev.onceflow.relay.publish;

/**
 * Kafka did not acknowledge a record in time. Thrown out of the engine's handler on purpose: it
 * stops the engine, which restarts from its last committed position, so the record is sent again.
 */
public class PublishFailedException extends RuntimeException {

  public PublishFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.onceflow.worker.bank;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the bank is and how long a call to it may take.
 *
 * @param baseUrl the bank API's root; the worker calls {@code POST /payments} and {@code GET
 *     /payments?idempotencyKey=} below it
 * @param connectTimeout how long to wait for a TCP connection
 * @param readTimeout how long to wait for the answer once the request is sent; together with the
 *     connect timeout it bounds every call, and both must stay below the worker's lease
 */
@ConfigurationProperties("onceflow.bank")
public record BankProperties(
    @DefaultValue("http://localhost:8081") String baseUrl,
    @DefaultValue("2s") Duration connectTimeout,
    @DefaultValue("5s") Duration readTimeout) {

  /** The longest a single call can take before the client gives up on it. */
  public Duration callDeadline() {
    return connectTimeout.plus(readTimeout);
  }
}

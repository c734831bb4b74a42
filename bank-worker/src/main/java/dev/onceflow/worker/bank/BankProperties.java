package dev.onceflow.worker.bank;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the bank is and how long a call to it may take.
 *
 * @param baseUrl the bank API's root; the worker calls {@code POST /payments} and {@code GET
 *     /payments?idempotencyKey=} below it
 * @param connectTimeout how long to wait for a TCP connection (within the call deadline)
 * @param callDeadline the hard limit of one call, counted from the claim that allowed it: waiting
 *     for a pooled connection, connecting, sending and reading the whole answer together. The call
 *     is aborted when it passes, however the bank behaves (a trickled answer included); the
 *     worker's lease and the time from which "the bank holds no payment" is trusted are derived
 *     from it
 * @param maxConnections connections to the bank kept by one worker; calls beyond it wait for one
 *     (within their deadline)
 */
@ConfigurationProperties("onceflow.bank")
public record BankProperties(
    @DefaultValue("http://localhost:8081") String baseUrl,
    @DefaultValue("2s") Duration connectTimeout,
    @DefaultValue("10s") Duration callDeadline,
    @DefaultValue("512") int maxConnections) {

  public BankProperties {
    if (callDeadline.isNegative() || callDeadline.isZero()) {
      throw new InvalidSettingException("onceflow.bank.call-deadline must be positive, is " + callDeadline);
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero() || connectTimeout.compareTo(callDeadline) > 0) {
      throw new InvalidSettingException(
          "onceflow.bank.connect-timeout must be positive and at most onceflow.bank.call-deadline ("
              + callDeadline
              + "), is "
              + connectTimeout);
    }
    if (maxConnections < 1) {
      throw new InvalidSettingException("onceflow.bank.max-connections must be at least 1, is " + maxConnections);
    }
  }
}

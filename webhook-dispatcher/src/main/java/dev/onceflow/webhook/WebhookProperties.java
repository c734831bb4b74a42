package dev.onceflow.webhook;

import dev.onceflow.model.InvalidSettingException;
import dev.onceflow.model.WebhookTargets;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the dispatcher sends webhooks.
 *
 * @param retryPeriod how long after its event a delivery is retried before it is marked FAILED (a
 *     client's re-send starts a period as long again)
 * @param retryBase the first retry waits up to this long; each further attempt doubles the ceiling
 * @param retryCap the wait between attempts never exceeds this
 * @param requestTimeout how long one attempt may take, connecting included; no answer by then
 *     counts as a failed attempt
 * @param maxInFlight attempts one dispatcher sends at once, over all endpoints
 * @param pollInterval how often it looks for due deliveries when it has found none
 * @param allowPrivateAddresses whether endpoints may resolve to loopback or private addresses
 *     ({@link WebhookTargets}); off outside a development machine
 */
@ConfigurationProperties("onceflow.webhooks")
public record WebhookProperties(
    @DefaultValue("24h") Duration retryPeriod,
    @DefaultValue("5s") Duration retryBase,
    @DefaultValue("30m") Duration retryCap,
    @DefaultValue("10s") Duration requestTimeout,
    @DefaultValue("16") int maxInFlight,
    @DefaultValue("250ms") Duration pollInterval,
    @DefaultValue("false") boolean allowPrivateAddresses) {

  /**
   * How long a started attempt holds its delivery: past it, another dispatcher may send it again
   * (the one that started it died). Beyond the request timeout, with room to record the outcome.
   */
  public Duration lease() {
    return requestTimeout.plusSeconds(30);
  }

  public WebhookProperties {
    positive("onceflow.webhooks.retry-period", retryPeriod);
    positive("onceflow.webhooks.retry-base", retryBase);
    positive("onceflow.webhooks.request-timeout", requestTimeout);
    positive("onceflow.webhooks.poll-interval", pollInterval);
    if (retryCap.compareTo(retryBase) < 0) {
      throw new InvalidSettingException(
          "onceflow.webhooks.retry-cap ("
              + retryCap
              + ") must be at least onceflow.webhooks.retry-base ("
              + retryBase
              + ")");
    }
    if (maxInFlight < 1) {
      throw new InvalidSettingException(
          "onceflow.webhooks.max-in-flight must be at least 1, is " + maxInFlight);
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new InvalidSettingException(name + " must be positive, is " + value);
    }
  }
}

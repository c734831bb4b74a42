package dev.onceflow.intake;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one client, one address and all of them together may ask of an intake instance. Each
 * instance counts on its own (no shared state between instances): N instances behind a balancer let
 * a client send up to N times the rate.
 *
 * @param requestsPerSecond a client's sustained request rate (a token bucket refilled at this rate)
 * @param burst how many requests a client may send at once above its rate (the bucket's size)
 * @param failedAuthenticationsPerSecond requests with an unknown key one remote address may send;
 *     past it, it gets 429 without a database lookup
 * @param longPollsPerClient waiting long-polls ({@code Prefer: wait}) one client may hold; past it,
 *     a poll is answered at once, without waiting
 * @param longPolls waiting long-polls of all clients together, likewise
 * @param refusalDelay how long a rate-limited request waits for its 429 on average (no thread
 *     waits; each wait is drawn between half and one and a half of it): a client resending at once
 *     from N connections then sends about N requests per delay; 0 answers at once
 * @param heldRefusals 429s waiting for their delay at once, all clients together; past it, refusals
 *     are answered at once
 */
@ConfigurationProperties("onceflow.intake.limits")
public record LimitProperties(
    @DefaultValue("100") int requestsPerSecond,
    @DefaultValue("200") int burst,
    @DefaultValue("10") int failedAuthenticationsPerSecond,
    @DefaultValue("50") int longPollsPerClient,
    @DefaultValue("1000") int longPolls,
    @DefaultValue("1s") Duration refusalDelay,
    @DefaultValue("1000") int heldRefusals) {

  /**
   * Longer (and a wait is up to one and a half times it), and a client's own timeout would end the
   * wait before its 429 does.
   */
  static final Duration MAX_REFUSAL_DELAY = Duration.ofSeconds(10);

  public LimitProperties {
    requirePositive("requests-per-second", requestsPerSecond);
    requirePositive("burst", burst);
    requirePositive("failed-authentications-per-second", failedAuthenticationsPerSecond);
    requirePositive("long-polls-per-client", longPollsPerClient);
    requirePositive("long-polls", longPolls);
    requirePositive("held-refusals", heldRefusals);
    if (refusalDelay.isNegative() || refusalDelay.compareTo(MAX_REFUSAL_DELAY) > 0) {
      throw new InvalidSettingException(
          "onceflow.intake.limits.refusal-delay must be between 0 and "
              + MAX_REFUSAL_DELAY.toSeconds()
              + "s, not "
              + refusalDelay);
    }
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new InvalidSettingException(
          "onceflow.intake.limits." + name + " must be a positive number, not " + value);
    }
  }
}

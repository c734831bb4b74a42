package dev.onceflow.worker;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the worker claims and retries transactions.
 *
 * @param maxInFlight requests one worker instance processes at once, bank calls included, whatever
 *     the number of partitions; when all are taken it stops reading the topic until one ends
 * @param lease how long a claim (PROCESSING) is exclusive; after it the sweeper hands the row to
 *     another worker. It must exceed {@code onceflow.bank.call-deadline} by at least {@link
 *     #LEASE_MARGIN}, since the call is aborted at the deadline counted from the claim
 * @param redriveAfter how long an enqueued TransactionRequested event is trusted to reach a worker
 *     before the sweeper enqueues the row again
 * @param reconcileDelay how long after the worker's last call was aborted or answered a request the
 *     bank held may still land: an UNKNOWN transaction fails on "no payment for this key" only
 *     after it
 * @param deadline how long after its first attempt a transaction may still make payment calls;
 *     after it, it becomes UNKNOWN and the worker only asks the bank whether it holds the payment
 * @param retry the backoff between attempts (and between lookups of an UNKNOWN one) and the attempt
 *     budget
 */
@ConfigurationProperties("onceflow.worker")
public record WorkerProperties(
    @DefaultValue("256") int maxInFlight,
    @DefaultValue("30s") Duration lease,
    @DefaultValue("30s") Duration redriveAfter,
    @DefaultValue("10s") Duration reconcileDelay,
    @DefaultValue("10m") Duration deadline,
    @DefaultValue Retry retry) {

  /** What the lease keeps beyond the call deadline: recording the outcome, and clock skew. */
  public static final Duration LEASE_MARGIN = Duration.ofSeconds(1);

  public WorkerProperties {
    if (maxInFlight < 1) {
      throw new InvalidSettingException(
          "onceflow.worker.max-in-flight must be at least 1, is " + maxInFlight);
    }
    positive("onceflow.worker.lease", lease);
    positive("onceflow.worker.redrive-after", redriveAfter);
    positive("onceflow.worker.deadline", deadline);
    if (reconcileDelay.isNegative()) {
      throw new InvalidSettingException(
          "onceflow.worker.reconcile-delay must not be negative, is " + reconcileDelay);
    }
  }

  /**
   * The rule that ties the lease to the bank's call deadline: a lease that can end while a call is
   * still open would let a second worker call too.
   */
  public void requireLeaseBeyond(Duration callDeadline) {
    if (lease.compareTo(callDeadline.plus(LEASE_MARGIN)) < 0) {
      throw new InvalidSettingException(
          "onceflow.worker.lease ("
              + lease
              + ") must exceed onceflow.bank.call-deadline ("
              + callDeadline
              + ") by at least "
              + LEASE_MARGIN);
    }
  }

  /**
   * @param base the first retry waits up to this long; each further attempt doubles the ceiling
   * @param cap the ceiling never exceeds this
   * @param budget bank calls per transaction before it becomes UNKNOWN (lookups only)
   */
  public record Retry(
      @DefaultValue("200ms") Duration base,
      @DefaultValue("30s") Duration cap,
      @DefaultValue("8") int budget) {

    public Retry {
      positive("onceflow.worker.retry.base", base);
      if (cap.compareTo(base) < 0) {
        throw new InvalidSettingException(
            "onceflow.worker.retry.cap ("
                + cap
                + ") must not be below onceflow.worker.retry.base ("
                + base
                + ")");
      }
      if (budget < 1) {
        throw new InvalidSettingException(
            "onceflow.worker.retry.budget must be at least 1, is " + budget);
      }
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new InvalidSettingException(name + " must be positive, is " + value);
    }
  }
}

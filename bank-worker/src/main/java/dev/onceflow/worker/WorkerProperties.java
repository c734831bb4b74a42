package dev.onceflow.worker;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the worker claims and retries transactions.
 *
 * @param concurrency Kafka consumer threads per worker instance (each one processes one record at a
 *     time, bank call included)
 * @param lease how long a claim (PROCESSING) is exclusive; after it the sweeper hands the row to
 *     another worker, so it must exceed the longest bank call
 * @param redriveAfter how long an enqueued TransactionRequested event is trusted to reach a worker
 *     before the sweeper enqueues the row again
 * @param reconcileDelay after the last budgeted call ended with an unknown outcome and the bank said
 *     it holds no payment, how long to wait before asking once more and only then failing: a request
 *     the bank held past our timeout may still land in between
 * @param deadline how long after its first attempt a transaction may still make payment calls;
 *     after it, the worker only asks the bank whether it holds the payment (reconciliation), so a
 *     payment is never sent long after the client asked for it
 * @param retry the backoff between attempts and the attempt budget
 */
@ConfigurationProperties("onceflow.worker")
public record WorkerProperties(
    @DefaultValue("3") int concurrency,
    @DefaultValue("30s") Duration lease,
    @DefaultValue("30s") Duration redriveAfter,
    @DefaultValue("10s") Duration reconcileDelay,
    @DefaultValue("10m") Duration deadline,
    @DefaultValue Retry retry) {

  /**
   * @param base the first retry waits up to this long; each further attempt doubles the ceiling
   * @param cap the ceiling never exceeds this
   * @param budget bank calls per transaction before the worker reconciles and gives up
   */
  public record Retry(
      @DefaultValue("200ms") Duration base,
      @DefaultValue("30s") Duration cap,
      @DefaultValue("8") int budget) {}
}

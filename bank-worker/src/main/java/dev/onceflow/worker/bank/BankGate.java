package dev.onceflow.worker.bank;

import dev.onceflow.worker.WorkerProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * One gate in front of every call this worker makes to the bank, so that a bank that throttles or
 * fails slows the whole worker rather than each call finding out on its own: a {@code 429} with
 * {@code Retry-After} holds every call until then, and a circuit breaker (Resilience4j) stops calls
 * for a while once most recent calls failed (5xx, 429, timeouts, I/O errors), then lets a few
 * through to probe. Callers wait at the gate holding their in-flight slot, so the worker reads no
 * more requests meanwhile: the backlog waits in Kafka.
 *
 * <p>Real time, not the application clock: this paces calls to a real bank.
 */
@Component
public class BankGate {

  /** Unknown outcomes that say the bank is struggling; a decline or a settled payment is health. */
  private static final Set<String> FAILURE_CAUSES =
      Set.of(
          "server-error", "throttled", "timeout", BankClient.DEADLINE, "connect", "io", "http-408");

  private static final Duration RECHECK = Duration.ofMillis(100);

  private final CircuitBreaker breaker;
  private final Duration longestHold;
  private final AtomicLong closedUntilNanos = new AtomicLong(System.nanoTime());
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Counter waits;

  BankGate(WorkerProperties worker, MeterRegistry meters) {
    this.breaker =
        CircuitBreaker.of(
            "bank",
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(50)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(3)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    // A Retry-After beyond the longest retry backoff holds the worker no longer than that.
    this.longestHold = worker.retry().cap();
    breaker.getEventPublisher().onStateTransition(event -> signal());
    this.waits =
        Counter.builder("onceflow.bank.gate.waits")
            .description(
                "Calls that waited at the worker's bank gate (Retry-After or open circuit)")
            .register(meters);
    Gauge.builder(
            "onceflow.bank.circuit.open",
            breaker,
            b -> b.getState() == CircuitBreaker.State.CLOSED ? 0 : 1)
        .description("1 while the circuit breaker on the bank is open or half-open")
        .register(meters);
  }

  /**
   * Waits until a call may go out. Every {@code true} must be followed by {@link #record} of the
   * call's outcome, or by {@link #release} if no call was made after all.
   *
   * @return false if the thread was interrupted (the worker is stopping): make no call
   */
  public boolean acquire() {
    boolean waited = false;
    try {
      while (true) {
        long holdNanos = closedUntilNanos.get() - System.nanoTime();
        if (holdNanos > 0) {
          waited = true;
          await(holdNanos);
        } else if (breaker.tryAcquirePermission()) {
          return true;
        } else {
          waited = true;
          await(RECHECK.toNanos());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      if (waited) {
        waits.increment();
      }
    }
  }

  /** No call was made after {@link #acquire}. */
  public void release() {
    breaker.releasePermission();
  }

  /** The outcome of a payment call made after {@link #acquire}. */
  public void record(PaymentResult result, Duration took) {
    if (result instanceof PaymentResult.Unknown unknown
        && FAILURE_CAUSES.contains(unknown.cause())) {
      breaker.onError(took.toNanos(), TimeUnit.NANOSECONDS, new BankTrouble(unknown.cause()));
      if ("throttled".equals(unknown.cause()) && unknown.retryAfter() != null) {
        holdFor(unknown.retryAfter());
      }
    } else {
      breaker.onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** The outcome of a lookup made after {@link #acquire}. */
  public void record(LookupResult result, Duration took) {
    if (result instanceof LookupResult.Unreachable) {
      breaker.onError(took.toNanos(), TimeUnit.NANOSECONDS, new BankTrouble("lookup-unreachable"));
    } else {
      breaker.onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Whether calls are held now (for tests and diagnostics). */
  public boolean isHolding() {
    return closedUntilNanos.get() - System.nanoTime() > 0
        || breaker.getState() != CircuitBreaker.State.CLOSED;
  }

  private void holdFor(Duration retryAfter) {
    Duration hold = retryAfter.compareTo(longestHold) > 0 ? longestHold : retryAfter;
    long until = System.nanoTime() + hold.toNanos();
    closedUntilNanos.accumulateAndGet(
        until, (current, proposed) -> proposed - current > 0 ? proposed : current);
  }

  private void await(long nanos) throws InterruptedException {
    lock.lock();
    try {
      changed.awaitNanos(Math.min(nanos, RECHECK.toNanos()));
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** What the breaker records as a failed call; never thrown. */
  private static final class BankTrouble extends RuntimeException {
    BankTrouble(String cause) {
      super(cause, null, false, false);
    }
  }
}

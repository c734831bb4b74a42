package dev.onceflow.intake.client;

import dev.onceflow.intake.LimitProperties;
import dev.onceflow.intake.refusal.Refusal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Answers a rate-limited request only after about {@code onceflow.intake.limits.refusal-delay},
 * with no thread waiting: the request goes asynchronous and a timer dispatches it again, when
 * {@link ClientAuthentication} throws the refusal it was given for Spring MVC to render. A client
 * that ignores Retry-After and resends at once from N connections then sends about N requests per
 * delay, instead of as many as intake can refuse, and leaves the CPU to the other clients. Each
 * refusal waits a random time between half and one and a half delays: connections refused in the
 * same moment (when a flood empties its bucket) would otherwise all come back in the same
 * millisecond, find the bucket refilled and reach the database together. Past {@code held-refusals}
 * waiting at once, refusals are answered at once, so that a flood of connections cannot hold
 * unbounded memory.
 */
@Component
class HeldRefusals implements DisposableBean {

  /** The refusal a held request is answered with when it is dispatched again. */
  static final String ATTRIBUTE = HeldRefusals.class.getName();

  private final long delayMillis;
  private final int max;
  private final AtomicInteger held = new AtomicInteger();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "intake-held-refusals");
            thread.setDaemon(true);
            return thread;
          });

  HeldRefusals(LimitProperties limits, MeterRegistry meters) {
    this.delayMillis = limits.refusalDelay().toMillis();
    this.max = limits.heldRefusals();
    Gauge.builder("onceflow.intake.refusals.held", held, AtomicInteger::get)
        .description("Rate-limited requests whose 429 waits for the refusal delay")
        .register(meters);
  }

  /**
   * Holds the request's answer, {@code refusal}, for the delay; false if it must be answered now
   * (no delay is set, or as many are held as may be).
   */
  boolean hold(HttpServletRequest request, Refusal refusal) {
    if (delayMillis == 0 || !request.isAsyncSupported()) {
      return false;
    }
    if (held.incrementAndGet() > max) {
      held.decrementAndGet();
      return false;
    }
    request.setAttribute(ATTRIBUTE, refusal);
    AsyncContext async = request.startAsync();
    // The container's own timeout would answer first, with an error of its own.
    long delay = delayMillis / 2 + ThreadLocalRandom.current().nextLong(delayMillis + 1);
    async.setTimeout(delay + TimeUnit.SECONDS.toMillis(30));
    timer.schedule(
        () -> {
          held.decrementAndGet();
          async.dispatch();
        },
        delay,
        TimeUnit.MILLISECONDS);
    return true;
  }

  @Override
  public void destroy() {
    timer.shutdownNow();
  }
}

package dev.onceflow.relay.cdc;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a running engine as soon as this relay no longer holds the relay lock (its session to
 * PostgreSQL ended): a standby may already be streaming, and two relays must never publish at once.
 */
final class LeadershipWatchdog {

  private static final Logger log = LoggerFactory.getLogger(LeadershipWatchdog.class);

  private LeadershipWatchdog() {}

  /**
   * Checks every {@code interval} while {@code engineThread} runs and no stop was requested; on a
   * lost lock runs {@code stopEngine} once and ends. Interrupt the returned thread to end it.
   */
  static Thread watch(
      RelayLeadership leadership,
      Thread engineThread,
      Duration interval,
      BooleanSupplier stopRequested,
      Runnable stopEngine) {
    Thread watchdog =
        new Thread(
            () -> {
              while (engineThread.isAlive() && !stopRequested.getAsBoolean()) {
                if (!leadership.isHeld()) {
                  log.warn(
                      "Lost the relay lock; stopping the engine so that only one relay streams");
                  stopEngine.run();
                  return;
                }
                try {
                  Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "outbox-relay-leadership");
    watchdog.setDaemon(true);
    watchdog.start();
    return watchdog;
  }
}

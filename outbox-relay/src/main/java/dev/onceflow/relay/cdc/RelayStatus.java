package dev.onceflow.relay.cdc;

import dev.onceflow.relay.cdc.OutboxRelayEngine.State;
import dev.onceflow.relay.cdc.OutboxRelayEngine.Status;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The relay engine's status as its threads (supervisor, engine, watchdog) change it: each change
 * replaces the whole snapshot atomically, so none is lost to another made at the same moment.
 */
final class RelayStatus {

  private final AtomicReference<Status> current =
      new AtomicReference<>(new Status(State.STOPPED, 0, null));

  Status get() {
    return current.get();
  }

  /** Starting afresh (the application started it): the last error is forgotten. */
  void starting() {
    current.updateAndGet(status -> new Status(State.STARTING, status.restarts(), null));
  }

  /** The engine is being created again, after a failure or on becoming the active relay. */
  void restartingEngine() {
    current.updateAndGet(status -> status.now(State.STARTING));
  }

  void running() {
    current.updateAndGet(status -> status.now(State.RUNNING));
  }

  /** Another relay is active; whether this one was not standing by before. */
  boolean standingBy() {
    return current.getAndUpdate(status -> status.now(State.STANDBY)).state() != State.STANDBY;
  }

  /** The engine stopped unexpectedly: one more restart, for {@code reason}. */
  void failed(String reason) {
    current.updateAndGet(status -> new Status(State.RESTARTING, status.restarts() + 1, reason));
  }

  /** No longer streaming, though the engine may take a while to stop; {@code error} if known. */
  void notStreaming(String error) {
    current.updateAndGet(
        status ->
            new Status(
                State.RESTARTING, status.restarts(), error != null ? error : status.lastError()));
  }

  void stopped() {
    current.updateAndGet(status -> status.now(State.STOPPED));
  }
}

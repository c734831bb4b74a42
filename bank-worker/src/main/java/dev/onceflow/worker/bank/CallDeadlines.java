package dev.onceflow.worker.bank;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.HttpClient;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;

/**
 * Aborts a bank call when its deadline passes, whatever stage it is in: waiting for a pooled
 * connection, connecting, sending, or reading an answer that arrives a byte at a time (a socket
 * timeout restarts with every byte, so it alone bounds nothing). The HTTP request is cancelled from
 * a timer thread, which closes its connection; the calling thread then fails at once.
 *
 * <p>The call in progress is found through the calling thread: {@link #open} marks the deadline of
 * the call the thread is about to make, and the request factory attaches the request it creates.
 */
final class CallDeadlines implements AutoCloseable {

  private final ThreadLocal<Call> current = new ThreadLocal<>();
  private final ScheduledThreadPoolExecutor timer;
  private final Clock clock;

  CallDeadlines(Clock clock) {
    this.clock = clock;
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "bank-call-deadline");
              thread.setDaemon(true);
              return thread;
            });
    // Most calls end well before their deadline: their timers must not pile up until then.
    timer.setRemoveOnCancelPolicy(true);
  }

  /** The call the current thread makes next must have ended by {@code abortAt}. */
  Call open(Instant abortAt) {
    Call call = new Call(abortAt);
    current.set(call);
    return call;
  }

  /** A request factory whose requests obey the deadline of the call opened on their thread. */
  HttpComponentsClientHttpRequestFactory requestFactory(HttpClient client) {
    return new HttpComponentsClientHttpRequestFactory(client) {
      @Override
      protected ClassicHttpRequest createHttpUriRequest(HttpMethod method, java.net.URI uri) {
        ClassicHttpRequest request = super.createHttpUriRequest(method, uri);
        Call call = current.get();
        if (call != null && request instanceof Cancellable cancellable) {
          call.attach(cancellable);
        }
        return request;
      }
    };
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One call's deadline; closing it ends the watch. */
  final class Call implements AutoCloseable {

    private final Instant abortAt;
    private Cancellable request;
    private ScheduledFuture<?> abort;
    private volatile boolean expired;

    private Call(Instant abortAt) {
      this.abortAt = abortAt;
    }

    /** Whether the deadline passed (before or during the call). */
    boolean expired() {
      return expired || !clock.instant().isBefore(abortAt);
    }

    private synchronized void attach(Cancellable cancellable) {
      request = cancellable;
      Duration left = Duration.between(clock.instant(), abortAt);
      if (left.isNegative() || left.isZero()) {
        expire();
      } else {
        abort = timer.schedule(this::expire, left.toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    private synchronized void expire() {
      expired = true;
      if (request != null) {
        request.cancel();
      }
    }

    @Override
    public synchronized void close() {
      if (abort != null) {
        abort.cancel(false);
      }
      request = null;
      current.remove();
    }
  }
}

package dev.onceflow.worker.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.worker.WorkerProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BankGateTest {

  private static final Duration CALL = Duration.ofMillis(20);

  private final BankGate gate =
      new BankGate(
          new WorkerProperties(
              256,
              Duration.ofSeconds(30),
              Duration.ofSeconds(30),
              Duration.ofSeconds(10),
              Duration.ofMinutes(10),
              new WorkerProperties.Retry(Duration.ofMillis(200), Duration.ofSeconds(30), 8)),
          new SimpleMeterRegistry());

  @Test
  void aRetryAfterHoldsEveryCallUntilItHasPassed() {
    assertThat(gate.acquire()).isTrue();
    gate.record(new PaymentResult.Unknown("throttled", "HTTP 429", Duration.ofSeconds(1)), CALL);

    long started = System.nanoTime();
    assertThat(gate.acquire()).isTrue();

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    gate.release();
  }

  @Test
  void mostRecentCallsFailingOpenTheCircuitAndHoldCallsUntilItProbesAgain() {
    for (int i = 0; i < 20; i++) {
      assertThat(gate.acquire()).isTrue();
      gate.record(new PaymentResult.Unknown("server-error", "HTTP 503", null), CALL);
    }
    assertThat(gate.isHolding()).isTrue();

    long started = System.nanoTime();
    assertThat(gate.acquire()).isTrue();

    // Open for 2 s, then half-open: a probe goes through.
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_500));
    gate.record(new PaymentResult.Settled("p", 200), CALL);
  }

  @Test
  void declinesAndSettledPaymentsKeepTheCircuitClosed() {
    for (int i = 0; i < 40; i++) {
      assertThat(gate.acquire()).isTrue();
      gate.record(
          i % 2 == 0 ? new PaymentResult.Declined(402, "no") : new PaymentResult.Settled("p", 200),
          CALL);
    }
    assertThat(gate.isHolding()).isFalse();
  }
}

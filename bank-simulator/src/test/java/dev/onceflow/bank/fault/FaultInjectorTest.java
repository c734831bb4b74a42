package dev.onceflow.bank.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.onceflow.bank.SimulatorProperties;
import dev.onceflow.bank.fault.FaultPlan.Fault;
import dev.onceflow.bank.fault.FaultPlan.Pending;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

  // Ranges of the one draw: error [0, 0.10), throttle [0.10, 0.12), timeout [0.12, 0.17),
  // commitThenFail [0.17, 0.22), decline [0.22, 0.27), trickle [0.27, 0.30), pending [0.30, 0.34).
  private static final Faults MIXED =
      new Faults(
          0.10,
          0.05,
          0.05,
          0.05,
          0.02,
          new Faults.Latency(5, 20),
          1_500,
          2,
          0,
          0.03,
          25,
          0.04,
          2_000,
          0.25);

  @Test
  void oneDrawPicksAtMostOneFaultInTheOrderOfTheRates() {
    ScriptedDice dice = new ScriptedDice();
    FaultInjector injector = injector(MIXED, dice);

    assertThat(injector.planPayment().fault()).isEqualTo(Fault.NONE); // latency 0, draw 0.999999
    dice.then(3L, 0.05);
    FaultPlan error = injector.planPayment();
    assertThat(error.fault()).isEqualTo(Fault.ERROR);
    assertThat(error.latency()).isEqualTo(Duration.ofMillis(8));
    dice.then(0L, 0.11);
    FaultPlan throttle = injector.planPayment();
    assertThat(throttle.fault()).isEqualTo(Fault.THROTTLE);
    assertThat(throttle.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    dice.then(0L, 0.13, 1);
    FaultPlan timeout = injector.planPayment();
    assertThat(timeout.fault()).isEqualTo(Fault.HOLD_THEN_EXECUTE);
    assertThat(timeout.hold()).isEqualTo(Duration.ofMillis(1_500));
    dice.then(0L, 0.18, false);
    assertThat(injector.planPayment().fault()).isEqualTo(Fault.COMMIT_THEN_DROP);
    dice.then(0L, 0.23, true);
    FaultPlan decline = injector.planPayment();
    assertThat(decline.fault()).isEqualTo(Fault.NONE);
    assertThat(decline.decline()).isEqualTo(FaultInjector.INSUFFICIENT_FUNDS);
    assertThat(decline.pending()).isNull();
    dice.then(0L, 0.28);
    FaultPlan trickle = injector.planPayment();
    assertThat(trickle.fault()).isEqualTo(Fault.TRICKLE);
    assertThat(trickle.trickleByte()).isEqualTo(Duration.ofMillis(25));
    assertThat(trickle.decline()).isNull();
    assertThat(trickle.pending()).isNull();
    dice.then(0L, 0.31, 0.5); // pending; the second draw (0.5, not below 0.25) settles it
    FaultPlan settles = injector.planPayment();
    assertThat(settles.fault()).isEqualTo(Fault.NONE);
    assertThat(settles.decline()).isNull();
    assertThat(settles.pending()).isEqualTo(new Pending(Duration.ofMillis(2_000), null));
    dice.then(0L, 0.33, 0.2); // pending; 0.2 is below pendingRejectRate 0.25: rejected
    FaultPlan rejected = injector.planPayment();
    assertThat(rejected.decline()).isNull();
    assertThat(rejected.pending())
        .isEqualTo(new Pending(Duration.ofMillis(2_000), FaultInjector.REJECTED_AFTER_ACCEPTANCE));
    assertThat(FaultInjector.REJECTED_AFTER_ACCEPTANCE.status()).isEqualTo(422);
    dice.then(0L, 0.34);
    FaultPlan clean = injector.planPayment();
    assertThat(clean.fault()).isEqualTo(Fault.NONE);
    assertThat(clean.decline()).isNull();
    assertThat(clean.pending()).isNull();
  }

  @Test
  void aPendingPaymentDrawsNoRejectionWhenNoneCanHappen() {
    ScriptedDice dice = new ScriptedDice();
    FaultInjector injector = injector(rates(0, 0, 0, 0, 0, 0, 1, 0), dice);

    dice.then(0.5, 0.0); // the 0.0 would reject, if it were drawn
    assertThat(injector.planPayment().pending().rejection()).isNull();
    assertThat(injector.planPayment().pending().rejection())
        .as("the 0.0 is left for this draw")
        .isNull();
  }

  @Test
  void ratesAreTheSharesOfCallsThatGetEachFault() {
    FaultInjector injector = injector(MIXED, new Random(7));
    Map<String, Integer> counts = new HashMap<>();
    int calls = 100_000;
    for (int i = 0; i < calls; i++) {
      FaultPlan plan = injector.planPayment();
      String kind =
          switch (plan.fault()) {
            case EXECUTE_THEN_HOLD, HOLD_THEN_EXECUTE, HOLD_ONLY -> "timeout";
            case COMMIT_THEN_ERROR, COMMIT_THEN_DROP -> "commitThenFail";
            case ERROR -> "error";
            case THROTTLE -> "throttle";
            case TRICKLE -> "trickle";
            case NONE ->
                plan.decline() != null
                    ? "decline"
                    : plan.pending() == null
                        ? "none"
                        : plan.pending().rejection() == null ? "pendingSettled" : "pendingRejected";
          };
      counts.merge(kind, 1, Integer::sum);
      assertThat(plan.latency()).isBetween(Duration.ofMillis(5), Duration.ofMillis(20));
    }

    assertThat(share(counts, "error", calls)).isCloseTo(0.10, offset(0.005));
    assertThat(share(counts, "commitThenFail", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "timeout", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "decline", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "throttle", calls)).isCloseTo(0.02, offset(0.005));
    assertThat(share(counts, "trickle", calls)).isCloseTo(0.03, offset(0.005));
    assertThat(share(counts, "pendingSettled", calls)).isCloseTo(0.04 * 0.75, offset(0.005));
    assertThat(share(counts, "pendingRejected", calls)).isCloseTo(0.04 * 0.25, offset(0.003));
  }

  @Test
  void noFaultsByDefault() {
    FaultInjector injector = injector(Faults.NONE, new Random(1));
    Map<Fault, Integer> seen = new EnumMap<>(Fault.class);
    for (int i = 0; i < 1_000; i++) {
      FaultPlan plan = injector.planPayment();
      seen.merge(plan.fault(), 1, Integer::sum);
      assertThat(plan.decline()).isNull();
      assertThat(plan.pending()).isNull();
      assertThat(plan.latency()).isZero();
      assertThat(injector.failLookup()).isFalse();
    }
    assertThat(seen).containsOnlyKeys(Fault.NONE);
    assertThat(Faults.NONE.trickleByteMs()).isEqualTo(1_000);
    assertThat(Faults.NONE.pendingSettleMs()).isEqualTo(30_000);
  }

  @Test
  void refusesRatesOutsideZeroToOneAndASumAboveOne() {
    assertThat(new Faults(1.5, 0, 0, 0, 0, null, 0, 0, -0.1, 0, 0, 0, 0, 0).problems())
        .anySatisfy(problem -> assertThat(problem).startsWith("errorRate must be between 0 and 1"))
        .anySatisfy(
            problem -> assertThat(problem).startsWith("lookupErrorRate must be between 0 and 1"));
    assertThat(rates(Double.NaN, 0, 0, 0, 0, 0, 0, 0).problems()).hasSize(1);
    assertThat(rates(0.5, 0.3, 0.3, 0, 0, 0, 0, 0).problems())
        .singleElement()
        .satisfies(problem -> assertThat(problem).contains("must not exceed 1"));
    assertThat(rates(0.1, 0.2, 0.7, 0, 0, 0, 0, 0).problems()).isEmpty();
    assertThat(
            new Faults(0, 0, 0, 0, 0, new Faults.Latency(50, 10), 0, 0, 0, 0, 0, 0, 0, 0)
                .problems())
        .singleElement()
        .satisfies(problem -> assertThat(problem).contains("latencyMs.min"));
    assertThat(Faults.NONE.problems()).isEmpty();
  }

  @Test
  void theTrickleAndPendingRatesArePartOfTheOneDraw() {
    assertThat(rates(0, 0, 0, 0, 0, 1.5, 0, 0).problems())
        .anySatisfy(
            problem -> assertThat(problem).startsWith("trickleRate must be between 0 and 1"));
    assertThat(rates(0, 0, 0, 0, 0, 0, -0.5, 0).problems())
        .singleElement()
        .satisfies(
            problem -> assertThat(problem).startsWith("pendingRate must be between 0 and 1"));
    assertThat(rates(0, 0, 0, 0, 0, 0, 0, 1.01).problems())
        .singleElement()
        .satisfies(
            problem -> assertThat(problem).startsWith("pendingRejectRate must be between 0 and 1"));
    assertThat(rates(0.4, 0, 0, 0, 0, 0.4, 0.3, 0).problems())
        .singleElement()
        .satisfies(
            problem -> assertThat(problem).contains("trickleRate + pendingRate must not exceed 1"));
    // pendingRejectRate splits the pending payments, it is not a share of calls: 1 with a full
    // draw.
    assertThat(rates(0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 1).problems()).isEmpty();
  }

  @Test
  void refusesTrickleAndSettleWaitsOutsideTheBounds() {
    assertThat(waits(-1, 0).problems())
        .singleElement()
        .satisfies(
            problem -> assertThat(problem).startsWith("trickleByteMs must be between 0 and"));
    assertThat(waits(0, Faults.MAX_WAIT_MS + 1).problems())
        .singleElement()
        .satisfies(
            problem -> assertThat(problem).startsWith("pendingSettleMs must be between 0 and"));
    assertThat(waits(0, 0).problems()).isEmpty();
    assertThat(waits(Faults.MAX_WAIT_MS, Faults.MAX_WAIT_MS).problems()).isEmpty();
  }

  private static Faults rates(
      double error,
      double commitThenFail,
      double timeout,
      double decline,
      double throttle,
      double trickle,
      double pending,
      double pendingReject) {
    return new Faults(
        error,
        commitThenFail,
        timeout,
        decline,
        throttle,
        null,
        Faults.DEFAULT_TIMEOUT_HOLD_MS,
        Faults.DEFAULT_RETRY_AFTER_SECONDS,
        0,
        trickle,
        Faults.DEFAULT_TRICKLE_BYTE_MS,
        pending,
        Faults.DEFAULT_PENDING_SETTLE_MS,
        pendingReject);
  }

  private static Faults waits(long trickleByteMs, long pendingSettleMs) {
    return new Faults(0, 0, 0, 0, 0, null, 0, 0, 0, 0, trickleByteMs, 0, pendingSettleMs, 0);
  }

  private static double share(Map<String, Integer> counts, String kind, int calls) {
    return counts.getOrDefault(kind, 0) / (double) calls;
  }

  private static FaultInjector injector(Faults faults, RandomGenerator random) {
    return new FaultInjector(
        new FaultSettings(new SimulatorProperties(null, faults, null)), random);
  }
}

package dev.onceflow.bank.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.onceflow.bank.fault.FaultPlan.Fault;
import dev.onceflow.bank.payment.SimulatorProperties;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

  private static final Faults MIXED =
      new Faults(0.10, 0.05, 0.05, 0.05, 0.02, new Faults.Latency(5, 20), 1_500, 2, 0);

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
    dice.then(0L, 0.27);
    FaultPlan clean = injector.planPayment();
    assertThat(clean.fault()).isEqualTo(Fault.NONE);
    assertThat(clean.decline()).isNull();
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
            case NONE -> plan.decline() == null ? "none" : "decline";
          };
      counts.merge(kind, 1, Integer::sum);
      assertThat(plan.latency()).isBetween(Duration.ofMillis(5), Duration.ofMillis(20));
    }

    assertThat(share(counts, "error", calls)).isCloseTo(0.10, offset(0.005));
    assertThat(share(counts, "commitThenFail", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "timeout", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "decline", calls)).isCloseTo(0.05, offset(0.005));
    assertThat(share(counts, "throttle", calls)).isCloseTo(0.02, offset(0.005));
  }

  @Test
  void noFaultsByDefault() {
    FaultInjector injector = injector(Faults.NONE, new Random(1));
    Map<Fault, Integer> seen = new EnumMap<>(Fault.class);
    for (int i = 0; i < 1_000; i++) {
      FaultPlan plan = injector.planPayment();
      seen.merge(plan.fault(), 1, Integer::sum);
      assertThat(plan.decline()).isNull();
      assertThat(plan.latency()).isZero();
      assertThat(injector.failLookup()).isFalse();
    }
    assertThat(seen).containsOnlyKeys(Fault.NONE);
  }

  @Test
  void refusesRatesOutsideZeroToOneAndASumAboveOne() {
    assertThat(new Faults(1.5, 0, 0, 0, 0, null, 0, 0, -0.1).problems())
        .anySatisfy(problem -> assertThat(problem).startsWith("errorRate must be between 0 and 1"))
        .anySatisfy(problem -> assertThat(problem).startsWith("lookupErrorRate must be between 0 and 1"));
    assertThat(new Faults(Double.NaN, 0, 0, 0, 0, null, 0, 0, 0).problems()).hasSize(1);
    assertThat(new Faults(0.5, 0.3, 0.3, 0, 0, null, 0, 0, 0).problems())
        .singleElement()
        .satisfies(problem -> assertThat(problem).contains("must not exceed 1"));
    assertThat(new Faults(0.1, 0.2, 0.7, 0, 0, null, 0, 0, 0).problems()).isEmpty();
    assertThat(new Faults(0, 0, 0, 0, 0, new Faults.Latency(50, 10), 0, 0, 0).problems())
        .singleElement()
        .satisfies(problem -> assertThat(problem).contains("latencyMs.min"));
    assertThat(Faults.NONE.problems()).isEmpty();
  }

  private static double share(Map<String, Integer> counts, String kind, int calls) {
    return counts.getOrDefault(kind, 0) / (double) calls;
  }

  private static FaultInjector injector(Faults faults, RandomGenerator random) {
    return new FaultInjector(new FaultSettings(new SimulatorProperties(null, faults, null)), random);
  }
}

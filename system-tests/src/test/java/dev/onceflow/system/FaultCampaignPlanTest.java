package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.system.FaultCampaign.Kill;
import dev.onceflow.system.FaultCampaign.NetworkFault;
import dev.onceflow.system.FaultCampaign.NetworkFaultKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the docs say of the campaign's schedule holds for every seed. */
class FaultCampaignPlanTest {

  private static final List<String> PROCESSES =
      List.of(
          "postgres",
          "kafka",
          "bank-simulator",
          "outbox-relay-1",
          "outbox-relay-2",
          "bank-worker-1",
          "bank-worker-2",
          "bank-worker-3",
          "intake-api-1",
          "intake-api-2");
  private static final List<String> LINKS = List.of("postgres", "kafka", "bank-simulator");

  @Test
  void theShortCampaignKillsEveryProcessAndHitsEveryLinkWithEveryKind() {
    for (long seed = 0; seed < 1_000; seed++) {
      checkPlan(seed);
    }
  }

  private static void checkPlan(long seed) {
    FaultCampaign.Size size = FaultCampaign.Size.SHORT;
    List<FaultCampaign.Fault> plan =
        FaultCampaign.plan(
            new Random(seed), size.faultWindow(), size.killEvery(), PROCESSES, LINKS);

    Set<String> killed =
        plan.stream()
            .filter(Kill.class::isInstance)
            .map(f -> ((Kill) f).target())
            .collect(Collectors.toSet());
    assertThat(killed)
        .as("seed %d", seed)
        .containsAll(PROCESSES)
        .contains(CampaignCluster.ACTIVE_RELAY);
    assertThat(
            plan.stream()
                .filter(
                    f ->
                        f instanceof Kill kill
                            && kill.target().equals(CampaignCluster.ACTIVE_RELAY)))
        .extracting(FaultCampaign.Fault::at)
        .containsExactly(FaultCampaign.ACTIVE_RELAY_FIRST_KILL, Duration.ofSeconds(42));

    List<NetworkFault> network =
        plan.stream().filter(NetworkFault.class::isInstance).map(NetworkFault.class::cast).toList();
    for (String link : LINKS) {
      assertThat(
              network.stream()
                  .filter(f -> f.link().equals(link))
                  .map(NetworkFault::kind)
                  .collect(Collectors.toSet()))
          .as("seed %d, %s", seed, link)
          .containsExactlyInAnyOrder(NetworkFaultKind.values());
    }
    Map<String, List<NetworkFault>> byLink = new HashMap<>();
    network.forEach(f -> byLink.computeIfAbsent(f.link(), l -> new ArrayList<>()).add(f));
    byLink.forEach(
        (link, faults) -> {
          for (int i = 1; i < faults.size(); i++) {
            NetworkFault before = faults.get(i - 1);
            assertThat(faults.get(i).at())
                .as("%s: no two faults at once", link)
                .isGreaterThanOrEqualTo(before.at().plus(before.lasts()));
          }
        });
    assertThat(plan).allSatisfy(fault -> assertThat(fault.at()).isLessThan(size.faultWindow()));
  }

  @Test
  void aWindowTooShortToKillEveryProcessIsRefused() {
    assertThatThrownBy(
            () ->
                FaultCampaign.plan(
                    new Random(1), Duration.ofSeconds(10), Duration.ofSeconds(3), PROCESSES, LINKS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never killed");
  }
}

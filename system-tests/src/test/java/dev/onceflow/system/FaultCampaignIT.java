package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fault campaign ({@link FaultCampaign}): the short one by default; the full one with {@code
 * -Donceflow.campaign.size=full}. {@code -Donceflow.campaign.seed=N} replays a campaign's plan. The
 * report is printed and written to {@code target/fault-campaign-<size>.txt}.
 */
class FaultCampaignIT {

  @Test
  void nothingIsLostPaidTwiceOrUnbalancedWhateverIsKilled() throws Exception {
    FaultCampaign.Size size =
        "full".equals(System.getProperty("onceflow.campaign.size"))
            ? FaultCampaign.Size.FULL
            : FaultCampaign.Size.SHORT;
    long seed = Long.getLong("onceflow.campaign.seed", System.nanoTime() % 1_000_000);
    Path directory = Files.createTempDirectory("onceflow-campaign");
    try (CampaignCluster cluster = new CampaignCluster(directory)) {
      cluster.start(size.intakes(), size.relays(), size.workers());
      FaultCampaign campaign =
          new FaultCampaign(seed, size, cluster.names(), List.copyOf(cluster.links().keySet()));
      Map<String, Integer> counts = campaign.run(cluster);
      System.out.println(campaign.report());
      campaign.writeReport(Path.of("target", "fault-campaign-" + size.name() + ".txt"));
      assertThat(counts)
          .as("campaign with seed %d (process logs in %s)", seed, directory)
          .allSatisfy((count, value) -> assertThat(value).as(count).isZero());
    }
  }
}

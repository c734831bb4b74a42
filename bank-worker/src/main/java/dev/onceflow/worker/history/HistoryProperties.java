package dev.onceflow.worker.history;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param retention how long a final payment's history (state changes and bank calls) is kept after
 *     its last change; an unfinished payment keeps all of it
 * @param purgeInterval the pause between purges
 * @param purgeBatchSize rows deleted per DB transaction
 */
@ConfigurationProperties("onceflow.history")
public record HistoryProperties(
    @DefaultValue("400d") Duration retention,
    @DefaultValue("1h") Duration purgeInterval,
    @DefaultValue("1000") int purgeBatchSize) {

  public HistoryProperties {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException(
          "onceflow.history.retention must be positive, not " + retention);
    }
    if (purgeBatchSize < 1) {
      throw new IllegalArgumentException(
          "onceflow.history.purge-batch-size must be at least 1, not " + purgeBatchSize);
    }
  }
}

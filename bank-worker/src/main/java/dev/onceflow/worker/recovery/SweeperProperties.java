package dev.onceflow.worker.recovery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled whether this instance runs the sweeper (several may: rows are locked with SKIP
 *     LOCKED)
 * @param interval the pause between the end of one sweep and the start of the next
 * @param batchSize rows handled per sweep, oldest lease first
 */
@ConfigurationProperties("onceflow.sweeper")
public record SweeperProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("1s") Duration interval,
    @DefaultValue("100") int batchSize) {}

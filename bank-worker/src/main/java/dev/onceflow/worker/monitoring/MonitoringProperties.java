package dev.onceflow.worker.monitoring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param refreshInterval how often the transaction gauges are recounted; a scrape reads the last
 *     count, so scrapes never query the database
 * @param overdueAfter a PENDING transaction due for longer than this counts as stuck: the sweeper
 *     re-enqueues due rows every second, so this long means nobody is picking them up
 */
@ConfigurationProperties("onceflow.monitoring")
public record MonitoringProperties(
    @DefaultValue("10s") Duration refreshInterval, @DefaultValue("2m") Duration overdueAfter) {}

package dev.onceflow.console;

import dev.onceflow.ops.OperatorActions;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/**
 * The ops commands' actions on the console's pool: one {@link OperatorActions} per action, so that
 * each has its own trace, and its audit names the logged-in operator.
 */
@Component
public class Operations {

  private final DataSource dataSource;
  private final String kafka;
  private final Duration redriveAfter;
  private final Clock clock;

  Operations(
      DataSource dataSource,
      PipelineSettings pipeline,
      @Value("${onceflow.console.redrive-after:30s}") Duration redriveAfter,
      Clock clock) {
    this.dataSource = dataSource;
    this.kafka = pipeline.kafkaBootstrapServers();
    this.redriveAfter = redriveAfter;
    this.clock = clock;
  }

  public OperatorActions open() {
    return new OperatorActions(dataSource, kafka, clock);
  }

  /** How long a re-driven or retried payment's new event is trusted before the sweeper steps in. */
  public Duration redriveAfter() {
    return redriveAfter;
  }

  /** The audit row of an action by the logged-in operator. */
  public static OperatorActions.Audit audit(
      Authentication operator, String action, String parameters) {
    return audit(operator.getName(), action, parameters);
  }

  public static OperatorActions.Audit audit(String operator, String action, String parameters) {
    return new OperatorActions.Audit(operator, action, "console: " + parameters);
  }
}

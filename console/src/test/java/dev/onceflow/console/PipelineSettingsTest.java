package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The overview's settings bind from the documented names, default as documented, and fail in one
 * line.
 */
class PipelineSettingsTest {

  private static PipelineSettings bind(Map<String, String> settings) {
    return new Binder(new MapConfigurationPropertySource(settings))
        .bindOrCreate(PipelineSettings.PREFIX, Bindable.of(PipelineSettings.class));
  }

  @Test
  void defaultsToTheRelaysSlotTheLocalBrokerAndTheWorkersGroup() {
    assertThat(bind(Map.of()))
        .isEqualTo(
            new PipelineSettings(
                "onceflow_outbox", "localhost:9092", "bank-worker", Duration.ofSeconds(2)));
  }

  @Test
  void bindsFromTheirPropertyNames() {
    assertThat(
            bind(
                Map.of(
                    "onceflow.console.relay-slot-name", "other_slot",
                    "onceflow.console.kafka-bootstrap-servers", "kafka-1:9092, [::1]:9093",
                    "onceflow.console.worker-group-id", "workers",
                    "onceflow.console.kafka-timeout", "500ms")))
        .isEqualTo(
            new PipelineSettings(
                "other_slot", "kafka-1:9092, [::1]:9093", "workers", Duration.ofMillis(500)));
  }

  @Test
  void aSlotNamePostgresCannotHaveFailsWithTheRule() {
    assertThatThrownBy(() -> bind(Map.of("onceflow.console.relay-slot-name", "Onceflow-Outbox")))
        .hasRootCauseInstanceOf(InvalidSettingException.class)
        .rootCause()
        .hasMessageStartingWith("onceflow.console.relay-slot-name must be 1 to 63 lower-case");
  }

  @Test
  void aBootstrapAddressWithoutAPortFailsWithTheRule() {
    assertThatThrownBy(() -> bind(Map.of("onceflow.console.kafka-bootstrap-servers", "kafka")))
        .hasRootCauseInstanceOf(InvalidSettingException.class)
        .rootCause()
        .hasMessage(
            "onceflow.console.kafka-bootstrap-servers must be host:port[,host:port...], is kafka");
  }

  @Test
  void aKafkaTimeoutLongerThanAPageShouldWaitFailsWithTheRule() {
    assertThatThrownBy(() -> bind(Map.of("onceflow.console.kafka-timeout", "1m")))
        .hasRootCauseInstanceOf(InvalidSettingException.class)
        .rootCause()
        .hasMessageStartingWith(
            "onceflow.console.kafka-timeout must be more than 0 and at most 30s");
  }
}

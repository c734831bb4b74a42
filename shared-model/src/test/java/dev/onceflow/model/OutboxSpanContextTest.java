package dev.onceflow.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class OutboxSpanContextTest {

  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void writesPropertiesTextThatPropertiesLoadReadsBack() throws Exception {
    String column =
        OutboxSpanContext.encode(
            Map.of("traceparent", TRACEPARENT, "tracestate", "congo=t61,rojo=0\\1"));

    // What Debezium's router does with the column: java.util.Properties.load.
    Properties loaded = new Properties();
    loaded.load(new StringReader(column));
    assertThat(loaded)
        .containsEntry("traceparent", TRACEPARENT)
        .containsEntry("tracestate", "congo=t61,rojo=0\\1");
    assertThat(column).doesNotContain("#");
  }

  @Test
  void roundTrips() {
    Map<String, String> headers = Map.of("traceparent", TRACEPARENT);

    assertThat(OutboxSpanContext.decode(OutboxSpanContext.encode(headers))).isEqualTo(headers);
  }

  @Test
  void noHeadersIsNoColumnValue() {
    assertThat(OutboxSpanContext.encode(Map.of())).isNull();
    assertThat(OutboxSpanContext.decode(null)).isEmpty();
  }
}

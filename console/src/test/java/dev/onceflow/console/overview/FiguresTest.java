package dev.onceflow.console.overview;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FiguresTest {

  @Test
  void writesBytesInPostgresUnits() {
    assertThat(Figures.bytes(0)).isEqualTo("0 B");
    assertThat(Figures.bytes(1023)).isEqualTo("1023 B");
    assertThat(Figures.bytes(1024)).isEqualTo("1.0 kB");
    assertThat(Figures.bytes(1536)).isEqualTo("1.5 kB");
    assertThat(Figures.bytes(12 * 1024 + 300)).isEqualTo("12 kB");
    assertThat(Figures.bytes(3L * 1024 * 1024 * 1024 + 200L * 1024 * 1024)).isEqualTo("3.2 GB");
  }

  @Test
  void roundsUpToTheNextUnitRatherThanWriting1024OfOne() {
    assertThat(Figures.bytes(1024 * 1024 - 1)).isEqualTo("1.0 MB");
    assertThat(Figures.bytes(10 * 1024 - 30)).isEqualTo("10 kB");
  }

  @Test
  void writesNoNegativeSize() {
    assertThat(Figures.bytes(-5)).isEqualTo("0 B");
  }

  @Test
  void writesShortDurationsInMillisecondsThenTenthsOfSeconds() {
    assertThat(Figures.duration(Duration.ZERO)).isEqualTo("0 ms");
    assertThat(Figures.duration(Duration.ofMillis(350))).isEqualTo("350 ms");
    assertThat(Figures.duration(Duration.ofMillis(1000))).isEqualTo("1.0 s");
    assertThat(Figures.duration(Duration.ofMillis(8_849))).isEqualTo("8.8 s");
    assertThat(Figures.duration(Duration.ofMillis(59_940))).isEqualTo("59.9 s");
  }

  @Test
  void writesAMinuteOrMoreAsTheHistoryWritesAges() {
    assertThat(Figures.duration(Duration.ofMillis(59_960))).isEqualTo("1m");
    assertThat(Figures.duration(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(Figures.duration(Duration.ofMinutes(125))).isEqualTo("2h5m");
  }

  @Test
  void writesANegativeDurationWithItsSign() {
    assertThat(Figures.duration(Duration.ofMillis(-200))).isEqualTo("-200 ms");
  }

  @Test
  void readsPostgresEpochSecondsToTheMicrosecond() {
    assertThat(Figures.seconds(1.5)).isEqualTo(Duration.ofMillis(1500));
    assertThat(Figures.seconds(0.000_001)).isEqualTo(Duration.ofNanos(1000));
  }
}

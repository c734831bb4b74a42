package dev.onceflow.console.overview;

import dev.onceflow.store.TransactionHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** How the overview writes its figures for an operator: sizes and durations in readable units. */
final class Figures {

  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

  private Figures() {}

  /**
   * A size in PostgreSQL's units (pg_size_pretty's: 1 kB = 1024 bytes), so it reads like what a DBA
   * sees in psql: "512 B", "1.5 kB", "12 kB", "3.2 GB". One decimal below 10 of a unit.
   */
  static String bytes(long bytes) {
    if (bytes < 0) {
      // The slot's position is ahead of the one compared with (a standby's view): nothing held.
      return "0 B";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    if (unit == 0) {
      return bytes + " B";
    }
    // Rounded as written: 1023.96 kB would print as "1024 kB", which is the next unit's "1.0".
    if (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return (value < 9.95
            ? String.format(Locale.ROOT, "%.1f", value)
            : String.valueOf(Math.round(value)))
        + " "
        + UNITS[unit];
  }

  /**
   * A latency: milliseconds below a second, tenths of seconds below a minute, then whole seconds in
   * the history's own form ("1m30s", as {@link TransactionHistory#age} writes ages).
   */
  static String duration(Duration duration) {
    if (duration.isNegative()) {
      // A completion recorded before its creation: clocks of two writers disagree; show it as is.
      return "-" + duration(duration.negated());
    }
    if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
      return duration.toMillis() + " ms";
    }
    long tenths = Math.round(duration.toMillis() / 100.0);
    if (tenths < 600) {
      return String.format(Locale.ROOT, "%.1f s", tenths / 10.0);
    }
    long seconds = Math.round(duration.toMillis() / 1000.0);
    return TransactionHistory.age(Instant.EPOCH, Instant.EPOCH.plusSeconds(seconds));
  }

  /** Seconds as PostgreSQL's extract(epoch ...) gives them, to the microsecond it keeps. */
  static Duration seconds(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1_000_000) * 1_000);
  }
}

package dev.onceflow.intake;

import java.time.Instant;

/**
 * Instants a client gives (a cursor, a date filter) that PostgreSQL's timestamptz can compare: a
 * year past its range would be a database error, not the client's 400.
 */
public final class Timestamps {

  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  private Timestamps() {}

  public static boolean inRange(Instant instant) {
    return !instant.isBefore(EARLIEST) && !instant.isAfter(LATEST);
  }
}

package dev.onceflow.console.list;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a page of a list ends: the last row's time and id, in the list's order. The next page
 * starts after it, so rows that change meanwhile neither repeat nor hide the rest (no OFFSET).
 */
record Cursor(Instant at, UUID id) {

  private static final char SEPARATOR = '~';

  /** Empty for no cursor (the first page); a cursor not of this form is the caller's error. */
  static Optional<Cursor> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    int split = text.indexOf(SEPARATOR);
    try {
      if (split < 0) {
        throw new IllegalArgumentException("no " + SEPARATOR);
      }
      return Optional.of(
          new Cursor(
              Instant.parse(text.substring(0, split)), UUID.fromString(text.substring(split + 1))));
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a page cursor (the 'after' of a list's next-page link): " + text);
    }
  }

  @Override
  public String toString() {
    return at.toString() + SEPARATOR + id;
  }
}

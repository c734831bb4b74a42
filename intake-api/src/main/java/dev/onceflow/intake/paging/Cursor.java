package dev.onceflow.intake.paging;

import dev.onceflow.intake.Timestamps;
import dev.onceflow.intake.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * A position in a list: the creation time and id of one item, the list's sort key. Opaque to
 * clients (base64url); the time is kept to the microsecond, PostgreSQL's precision, so the position
 * compares exactly with the row it came from.
 */
public record Cursor(Instant at, UUID id) {

  private static final String VERSION = "v1";

  public Cursor {
    at = at.truncatedTo(ChronoUnit.MICROS);
  }

  public String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
    String text = VERSION + ":" + micros + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** The cursor a client sent back, or a 400 naming the parameter. */
  static Cursor decode(String parameter, String text) {
    try {
      String[] parts =
          new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII).split(":");
      if (parts.length != 3 || !parts[0].equals(VERSION)) {
        throw new IllegalArgumentException("not a cursor");
      }
      Instant at = Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS);
      if (!Timestamps.inRange(at)) {
        throw new IllegalArgumentException("not a time of this list");
      }
      return new Cursor(at, UUID.fromString(parts[2]));
    } catch (IllegalArgumentException | ArithmeticException | DateTimeException e) {
      throw Refusal.badRequest(
          "invalid-cursor",
          "Invalid cursor",
          "'"
              + parameter
              + "' must be a nextCursor or previousCursor this API returned, unchanged.");
    }
  }
}

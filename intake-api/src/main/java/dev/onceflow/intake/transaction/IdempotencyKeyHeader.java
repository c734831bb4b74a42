package dev.onceflow.intake.transaction;

import dev.onceflow.intake.refusal.Refusal;

/**
 * The Idempotency-Key header: 1–255 visible ASCII characters, bare or in the IETF draft's
 * Structured Field string form ({@code "..."} with {@code \"} and {@code \\} escapes).
 */
public final class IdempotencyKeyHeader {

  static final int MAX_LENGTH = 255;

  private IdempotencyKeyHeader() {}

  /** The key the header carries, or a 400 saying what is wrong with it. */
  public static String parse(String header) {
    return parse(header, "POST /transactions");
  }

  /** As {@link #parse(String)}, for a header required on {@code requests}. */
  public static String parse(String header, String requests) {
    if (header == null) {
      throw invalid("The Idempotency-Key header is required on " + requests + ".");
    }
    boolean quoted = header.length() >= 2 && header.startsWith("\"") && header.endsWith("\"");
    if (!quoted && header.startsWith("\"")) {
      // A quoted string left open: the client meant the quoted form, and its key is unclear.
      throw invalid("The quoted Idempotency-Key has no closing '\"'.");
    }
    String key = quoted ? unquote(header) : header;
    if (key.isEmpty() || key.length() > MAX_LENGTH) {
      throw invalid("The Idempotency-Key must be 1 to " + MAX_LENGTH + " characters long.");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw invalid("The Idempotency-Key may contain only visible ASCII characters.");
      }
    }
    return key;
  }

  private static String unquote(String quoted) {
    StringBuilder key = new StringBuilder();
    for (int i = 1; i < quoted.length() - 1; i++) {
      char c = quoted.charAt(i);
      if (c == '\\') {
        if (i + 1 >= quoted.length() - 1) {
          throw invalid("The quoted Idempotency-Key ends with a lone backslash.");
        }
        char escaped = quoted.charAt(++i);
        if (escaped != '"' && escaped != '\\') {
          throw invalid("The quoted Idempotency-Key may escape only '\"' and '\\'.");
        }
        key.append(escaped);
      } else if (c == '"') {
        throw invalid("The quoted Idempotency-Key has an unescaped '\"' inside.");
      } else {
        key.append(c);
      }
    }
    return key.toString();
  }

  private static Refusal invalid(String detail) {
    return Refusal.badRequest("invalid-idempotency-key", "Invalid Idempotency-Key", detail);
  }
}

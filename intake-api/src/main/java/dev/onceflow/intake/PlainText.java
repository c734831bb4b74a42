package dev.onceflow.intake;

/** Text a client gives that ends up at the bank or before an operator's eyes. */
public final class PlainText {

  private PlainText() {}

  /**
   * No control characters (PostgreSQL refuses NUL in text, and the bank would get the rest), no
   * invisible format characters (U+200B zero width space, U+202E right-to-left override, U+FEFF...:
   * they make a name or reference read differently from what it is) and no unpaired surrogate,
   * which UTF-8 cannot encode: the driver would store '?' instead.
   */
  public static boolean isPlain(String text) {
    return text.codePoints()
        .noneMatch(
            c ->
                Character.isISOControl(c)
                    || Character.getType(c) == Character.FORMAT
                    || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE));
  }
}

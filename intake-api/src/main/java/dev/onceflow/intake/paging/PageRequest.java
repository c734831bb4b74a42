package dev.onceflow.intake.paging;

import dev.onceflow.intake.refusal.Refusal;

/**
 * Which page of a list: at most {@code limit} items, either the first ones, those {@code after} a
 * cursor (further down the list) or those {@code before} one (back up it).
 */
public record PageRequest(int limit, Cursor after, Cursor before) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 100;

  /** From the query parameters {@code limit}, {@code after} and {@code before}; 400 if invalid. */
  public static PageRequest of(Integer limit, String after, String before) {
    if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
      throw Refusal.badRequest(
          "invalid-parameter", "Invalid parameter", "'limit' must be 1 to " + MAX_LIMIT + ".");
    }
    if (after != null && before != null) {
      throw Refusal.badRequest(
          "invalid-parameter", "Invalid parameter", "Give 'after' or 'before', not both.");
    }
    return new PageRequest(
        limit == null ? DEFAULT_LIMIT : limit,
        after == null ? null : Cursor.decode("after", after),
        before == null ? null : Cursor.decode("before", before));
  }
}

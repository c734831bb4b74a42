package dev.onceflow.intake.paging;

import java.util.List;
import java.util.function.Function;

/**
 * A page of a list as clients see it: {@code nextCursor} goes in {@code after} for the next page,
 * {@code previousCursor} in {@code before} for the previous one; null when there is none.
 */
public record PageView<T>(List<T> data, String nextCursor, String previousCursor) {

  /** A page whose items are shown as they are. */
  public static <T> PageView<T> of(Page<T> page) {
    return of(page, Function.identity());
  }

  public static <S, T> PageView<T> of(Page<S> page, Function<S, T> view) {
    return new PageView<>(
        page.items().stream().map(view).toList(), encoded(page.next()), encoded(page.previous()));
  }

  private static String encoded(Cursor cursor) {
    return cursor == null ? null : cursor.encode();
  }
}

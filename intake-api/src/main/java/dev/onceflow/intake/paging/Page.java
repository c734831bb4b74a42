package dev.onceflow.intake.paging;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Items of a list in its order, with the cursor to pass as {@code after} for the next page and as
 * {@code before} for the previous one; each is null when there is no such page.
 */
public record Page<T>(List<T> items, Cursor next, Cursor previous) {

  /**
   * The items {@code loaded} by id, in this page's order: for a page of keys whose rows are read
   * apart. A row gone meanwhile is left out.
   */
  public <R> Page<R> load(Map<UUID, R> loaded, Function<T, UUID> idOf) {
    return new Page<>(
        items.stream()
            .map(item -> loaded.get(idOf.apply(item)))
            .filter(item -> item != null)
            .toList(),
        next,
        previous);
  }
}

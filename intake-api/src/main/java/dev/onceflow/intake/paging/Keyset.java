package dev.onceflow.intake.paging;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Runs one page of a list as a keyset query: ordered by (time, id), a page starts strictly after
 * (or before) its cursor's row, so rows inserted meanwhile never shift a page, and no row is
 * skipped or shown twice while a client pages through. An index on the filter columns followed by
 * (time, id) answers it without sorting.
 */
public final class Keyset {

  /** Which end of the list comes first. */
  public enum Order {
    NEWEST_FIRST,
    OLDEST_FIRST
  }

  private final JdbcClient jdbc;

  public Keyset(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The ids and times of one page.
   *
   * @param from the query's {@code FROM ... WHERE ...}, with named parameters given in {@code
   *     params}; {@code id} and {@code timeColumn} must be columns of it. Constants only: it is
   *     SQL.
   */
  private Page<Cursor> page(
      String from, Map<String, ?> params, String timeColumn, Order order, PageRequest request) {
    boolean backwards = request.before() != null;
    Cursor cursor = backwards ? request.before() : request.after();
    // Reading back up the list reads it the other way round, then turns the page over.
    boolean descending = (order == Order.NEWEST_FIRST) != backwards;
    String direction = descending ? "DESC" : "ASC";
    String sql =
        "SELECT id, "
            + timeColumn
            + " AS cursor_at "
            + from
            + (cursor == null
                ? ""
                : " AND (%s, id) %s (:cursorAt, :cursorId)"
                    .formatted(timeColumn, descending ? "<" : ">"))
            + " ORDER BY %s %s, id %s LIMIT :limit".formatted(timeColumn, direction, direction);
    JdbcClient.StatementSpec statement =
        jdbc.sql(sql).params(params).param("limit", request.limit() + 1);
    if (cursor != null) {
      statement =
          statement
              .param("cursorAt", OffsetDateTime.ofInstant(cursor.at(), ZoneOffset.UTC))
              .param("cursorId", cursor.id());
    }
    List<Cursor> rows = new ArrayList<>(statement.query(Keyset::cursorOf).list());
    boolean more = rows.size() > request.limit();
    if (more) {
      rows.remove(rows.size() - 1);
    }
    if (backwards) {
      Collections.reverse(rows);
    }
    Cursor first = rows.isEmpty() ? null : rows.get(0);
    Cursor last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
    if (cursor == null) {
      return new Page<>(rows, more ? last : null, null);
    }
    if (backwards) {
      // The cursor's own row follows this page.
      return new Page<>(rows, rows.isEmpty() ? cursor : last, more ? first : null);
    }
    return new Page<>(rows, more ? last : null, rows.isEmpty() ? cursor : first);
  }

  /**
   * One page of whole rows: the page's keys by {@link #page}, then its rows by id through {@code
   * load} (which may return them in any order, and leave out a row deleted meanwhile).
   */
  public <T> Page<T> rows(
      String from,
      Map<String, ?> params,
      String timeColumn,
      Order order,
      PageRequest request,
      Function<List<UUID>, List<T>> load,
      Function<T, UUID> idOf) {
    Page<Cursor> keys = page(from, params, timeColumn, order, request);
    List<UUID> ids = keys.items().stream().map(Cursor::id).toList();
    Map<UUID, T> loaded =
        ids.isEmpty()
            ? Map.of()
            : load.apply(ids).stream().collect(Collectors.toMap(idOf, Function.identity()));
    return keys.load(loaded, Cursor::id);
  }

  private static Cursor cursorOf(ResultSet rs, int row) throws SQLException {
    return new Cursor(
        rs.getObject("cursor_at", OffsetDateTime.class).toInstant(),
        rs.getObject("id", UUID.class));
  }
}

package dev.onceflow.store;

import dev.onceflow.model.TransactionState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SQL that names transaction states. A statement writes a state as {@code {PENDING}}, and {@link
 * #of} turns it into the literal {@code 'PENDING'} taken from {@link TransactionState}: a state
 * that does not exist fails when the statement's class loads, and a literal (not a bind parameter)
 * lets the planner use the partial indexes on {@code state}. Also the column conversions every
 * statement of this module shares.
 */
public final class StateSql {

  private static final Pattern STATE = Pattern.compile("\\{([A-Z_]+)}");

  private StateSql() {}

  /** {@code template} with each {@code {STATE}} replaced by that state's SQL literal. */
  public static String of(String template) {
    Matcher placeholders = STATE.matcher(template);
    return placeholders.replaceAll(
        placeholder -> "'" + TransactionState.valueOf(placeholder.group(1)).name() + "'");
  }

  static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  /** A nullable timestamptz column as an Instant. */
  public static Instant instant(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}

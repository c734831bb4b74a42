package dev.onceflow.model;

import java.util.regex.Pattern;

/**
 * Who an audit row names as having acted (the ops CLI's {@code --actor}, the admin API's {@code
 * Onceflow-Actor}): a short name of letters, digits and {@code . _ @ + -}, so it fits its column
 * and can neither forge another row's shape nor hide in whitespace.
 */
public final class AuditActor {

  public static final int MAX_LENGTH = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@+-]{1," + MAX_LENGTH + "}");
  public static final String RULE = "1 to " + MAX_LENGTH + " letters, digits or . _ @ + -";

  private AuditActor() {}

  public static boolean isValid(String actor) {
    return actor != null && NAME.matcher(actor).matches();
  }
}

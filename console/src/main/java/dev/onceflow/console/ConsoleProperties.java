package dev.onceflow.console;

import dev.onceflow.model.AuditActor;
import dev.onceflow.model.InvalidSettingException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may log in to the console. Users come from configuration, not a table: the console starts
 * with no writable store of its own, and an operator's access changes with a deploy, reviewed like
 * any other setting.
 *
 * @param users at least one; each name unique regardless of case (the login is case-insensitive)
 */
@ConfigurationProperties(ConsoleProperties.PREFIX)
public record ConsoleProperties(@DefaultValue List<User> users) {

  public static final String PREFIX = "onceflow.console";

  /**
   * What a user may do. A viewer reads every page; an operator may also act on payments and ask for
   * or approve bulk actions.
   */
  public enum Role {
    VIEWER,
    OPERATOR
  }

  /**
   * One user.
   *
   * @param name the login, also the actor the audit will name: {@link AuditActor#RULE}
   * @param passwordHash the password's bcrypt hash, optionally with Spring's {@code {bcrypt}}
   *     prefix; a plain password is refused, so none sits in a config file
   * @param role {@code VIEWER} or {@code OPERATOR}
   */
  public record User(String name, String passwordHash, String role) {

    /** The hash without Spring's {@code {bcrypt}} prefix, as BCryptPasswordEncoder takes it. */
    public String bcrypt() {
      return passwordHash.startsWith(BCRYPT_PREFIX)
          ? passwordHash.substring(BCRYPT_PREFIX.length())
          : passwordHash;
    }

    public Role access() {
      return Role.valueOf(role.trim().toUpperCase(Locale.ROOT));
    }
  }

  private static final String BCRYPT_PREFIX = "{bcrypt}";

  /** Versions 2, 2a, 2b and 2y, a two-digit cost, then 22 characters of salt and 31 of hash. */
  private static final Pattern BCRYPT =
      Pattern.compile("\\$2[aby]?\\$(\\d\\d)\\$[./0-9A-Za-z]{53}");

  private static final String HOW_TO_HASH =
      "make one with: htpasswd -nbBC 12 '' 'the password' | cut -d: -f2";

  public ConsoleProperties {
    if (users.isEmpty()) {
      throw new InvalidSettingException(
          PREFIX
              + ".users is empty: configure at least one user ("
              + PREFIX
              + ".users[0].name, .password-hash (bcrypt), .role = VIEWER or OPERATOR)");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < users.size(); i++) {
      check(PREFIX + ".users[" + i + "]", users.get(i), names);
    }
    users = List.copyOf(users);
  }

  private static void check(String setting, User user, Set<String> names) {
    if (!AuditActor.isValid(user.name())) {
      throw new InvalidSettingException(
          setting + ".name must be " + AuditActor.RULE + " (the audit names who acted by it)");
    }
    if (!names.add(user.name().toLowerCase(Locale.ROOT))) {
      throw new InvalidSettingException(
          setting
              + ".name "
              + user.name()
              + " is already another user's (names are compared regardless of case)");
    }
    if (user.passwordHash() == null || !isBcrypt(user.bcrypt())) {
      throw new InvalidSettingException(
          setting
              + ".password-hash of "
              + user.name()
              + " is not a bcrypt hash ($2a$, $2b$ or $2y$, a cost of 04 to 31, 53 characters); "
              + HOW_TO_HASH);
    }
    if (user.role() == null || !isRole(user.role())) {
      throw new InvalidSettingException(
          setting
              + ".role of "
              + user.name()
              + " must be VIEWER or OPERATOR, is "
              + (user.role() == null ? "not set" : user.role()));
    }
  }

  static boolean isBcrypt(String hash) {
    Matcher matcher = BCRYPT.matcher(hash);
    if (!matcher.matches()) {
      return false;
    }
    int cost = Integer.parseInt(matcher.group(1));
    return cost >= 4 && cost <= 31;
  }

  private static boolean isRole(String role) {
    for (Role known : Role.values()) {
      if (known.name().equalsIgnoreCase(role.trim())) {
        return true;
      }
    }
    return false;
  }
}

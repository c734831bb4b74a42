package dev.onceflow.ops;

import dev.onceflow.model.AuditActor;
import dev.onceflow.model.Topics;
import dev.onceflow.store.TransactionHistory;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Ops commands: replay topics, re-drive stuck transactions, retry a failed one, read a payment's
 * history. Each action is audited in the {@code ops_audit} table. Bad input gets a one-line message
 * and exit code 2, and changes nothing.
 */
public final class OpsCommand {

  static final String USAGE =
      """
      Usage: java -jar onceflow-local.jar ops COMMAND [flags]

      Commands:
        replay-requests      --from-offset=N | --from-timestamp=2026-11-27T10:00:00Z [--no-wait]
                             publish the request topic's records again (every partition, from
                             there to its current end) for the workers; reports how many it
                             re-read and, once the workers consumed them, how many transactions
                             changed (finished ones are skipped: nothing is paid twice)
        replay-dead-letters  [--from-offset=N]
                             move the dead-letter topic's records back onto the request topic
        redrive-pending      --older-than=10m
                             re-enqueue PENDING transactions created longer ago than that
        retry-failed         --transaction=UUID
                             reopen a transaction that FAILED with RETRIES_EXHAUSTED (the bank
                             holds no payment for it): reserves its funds again, same bank key
        list-unknown         [--limit=20]
                             UNKNOWN transactions (the bank has not said whether it executed
                             them; the workers keep asking it), oldest first, with their age,
                             lookups, bank key and any bank reference
        resolve-unknown      --transaction=UUID --outcome=completed --bank-reference=REF --reason=TEXT
                             | --transaction=UUID --outcome=failed --reason=TEXT
                             decide an UNKNOWN transaction yourself, after asking the bank:
                             completed settles its funds, failed releases them (code
                             OPERATOR_DECISION); either publishes its final event
        history              --transaction=UUID
                             a payment's timeline: each state it entered (when, by which
                             service instance, why), each bank call (journaled before it was
                             sent: its answer, HTTP status and latency, or "no answer" with its
                             age) and each ops action on it
        list-unanswered      [--limit=20]
                             bank calls started and never answered, of payments not final yet:
                             the payments whose fate depends on what the bank did, oldest first
        audit                [--limit=20]
                             the latest audited ops actions

      Connection flags (defaults: the local stack):
        --jdbc-url=jdbc:postgresql://localhost:15432/onceflow  --db-user=onceflow_ops
        --db-password=  (default: $PGPASSWORD, which, unlike a flag, ps does not show)
        --kafka=localhost:9092  --group=bank-worker  --actor=NAME (default: the OS user)
      """;

  private static final Set<String> COMMANDS =
      Set.of(
          "replay-requests",
          "replay-dead-letters",
          "redrive-pending",
          "retry-failed",
          "list-unknown",
          "resolve-unknown",
          "history",
          "list-unanswered",
          "audit");

  private static final Map<String, String> DEFAULTS =
      Map.of(
          "jdbc-url", "jdbc:postgresql://localhost:15432/onceflow",
          "db-user", "onceflow_ops",
          "db-password", Objects.requireNonNullElse(System.getenv("PGPASSWORD"), ""),
          "kafka", "localhost:9092",
          "group", "bank-worker",
          "actor", System.getProperty("user.name", "unknown"),
          "limit", "20",
          "wait-timeout", "120s",
          "redrive-after", "30s");

  private static final Set<String> FLAGS =
      Set.of(
          "from-offset",
          "from-timestamp",
          "older-than",
          "transaction",
          "no-wait",
          "outcome",
          "bank-reference",
          "reason");

  private final PrintStream out;
  private final Clock clock;

  OpsCommand(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the process exit code (0 done, 1 failed or refused, 2 bad input). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    Map<String, String> flags;
    try {
      if (!COMMANDS.contains(args[0])) {
        throw new IllegalArgumentException("unknown command '" + args[0] + "' (see --help)");
      }
      flags = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("onceflow ops: " + e.getMessage());
      return 2;
    }
    try {
      return new OpsCommand(out, Clock.systemUTC()).execute(args[0], flags);
    } catch (IllegalArgumentException e) {
      err.println("onceflow ops: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("onceflow ops: " + args[0] + " failed: " + e.getMessage());
      return 1;
    }
  }

  /** A command with its flags checked, ready to run against the database and Kafka. */
  @FunctionalInterface
  private interface Action {
    int run(OperatorActions actions) throws Exception;
  }

  private int execute(String command, Map<String, String> flags) throws Exception {
    // Every flag is checked before anything connects: bad input is reported as such, and changes
    // nothing.
    Action action =
        prepare(
            command,
            flags,
            new OperatorActions.Audit(flags.get("actor"), command, describe(flags)));
    try (OperatorActions actions =
        new OperatorActions(
            flags.get("jdbc-url"),
            flags.get("db-user"),
            flags.get("db-password"),
            flags.get("kafka"),
            clock)) {
      return action.run(actions);
    }
  }

  private Action prepare(String command, Map<String, String> flags, OperatorActions.Audit audit) {
    switch (command) {
      case "replay-requests":
        return replayRequests(flags, audit);
      case "replay-dead-letters":
        {
          long fromOffset =
              flags.containsKey("from-offset")
                  ? nonNegative(flags.get("from-offset"), "--from-offset")
                  : 0;
          return actions -> {
            OperatorActions.Replay replay = actions.replayDeadLetters(fromOffset, audit);
            out.println(
                "Moved "
                    + replay.records()
                    + " records from "
                    + Topics.TRANSACTION_REQUESTED_DEAD_LETTER
                    + " back onto "
                    + Topics.TRANSACTION_REQUESTED
                    + " (replay "
                    + replay.id()
                    + ").");
            return 0;
          };
        }
      case "redrive-pending":
        {
          Duration age = duration(required(flags, "older-than"), "--older-than");
          Duration redriveAfter = duration(flags.get("redrive-after"), "--redrive-after");
          return actions -> {
            Instant createdBefore = clock.instant().minus(age);
            int count = actions.redrivePending(createdBefore, redriveAfter, audit);
            out.println(
                "Re-enqueued "
                    + count
                    + " PENDING transactions created before "
                    + createdBefore
                    + ".");
            return 0;
          };
        }
      case "retry-failed":
        {
          UUID id = uuid(required(flags, "transaction"));
          Duration redriveAfter = duration(flags.get("redrive-after"), "--redrive-after");
          return actions -> {
            return report(
                actions.retryFailed(id, redriveAfter, audit),
                "Transaction "
                    + id
                    + " is PENDING again; a worker will pay it with its original bank key.");
          };
        }
      case "list-unknown":
        {
          int limit = positive(flags.get("limit"), "--limit");
          return actions -> {
            List<OperatorActions.UnknownTransaction> unknown = actions.unknown(limit);
            out.println(
                unknown.isEmpty()
                    ? "No UNKNOWN transactions."
                    : "id  unknown-for  lookups  bank-key  bank-reference");
            unknown.forEach(
                tx ->
                    out.println(
                        String.join(
                            "  ",
                            tx.id().toString(),
                            tx.unknownFor() == null ? "?" : tx.unknownFor().toString(),
                            Integer.toString(tx.lookups()),
                            tx.externalKey(),
                            String.valueOf(tx.bankReference()))));
            return 0;
          };
        }
      case "resolve-unknown":
        return resolveUnknown(flags, audit);
      case "history":
        {
          UUID id = uuid(required(flags, "transaction"));
          return actions -> {
            Optional<OperatorActions.PaymentHistory> history = actions.history(id);
            if (history.isEmpty()) {
              out.println("No transaction " + id + ".");
              return 1;
            }
            Timeline.lines(history.get(), clock.instant()).forEach(out::println);
            return 0;
          };
        }
      case "list-unanswered":
        {
          int limit = positive(flags.get("limit"), "--limit");
          return actions -> {
            List<TransactionHistory.UnansweredCall> calls = actions.unanswered(limit);
            Instant now = clock.instant();
            out.println(
                calls.isEmpty()
                    ? "No bank call is waiting for an answer."
                    : "transaction  state  call  started  no-answer-for  worker");
            calls.forEach(
                unanswered ->
                    out.println(
                        String.join(
                            "  ",
                            unanswered.transactionId().toString(),
                            unanswered.state(),
                            unanswered.call().kind() + " " + unanswered.call().attempt(),
                            unanswered.call().startedAt().toString(),
                            TransactionHistory.age(unanswered.call().startedAt(), now),
                            unanswered.call().instance())));
            return 0;
          };
        }
      default:
        {
          int limit = positive(flags.get("limit"), "--limit");
          return actions -> {
            actions
                .recentAudit(limit)
                .forEach(
                    entry ->
                        out.println(
                            String.join(
                                "  ",
                                entry.at().toString(),
                                entry.actor(),
                                entry.action(),
                                entry.parameters(),
                                "affected=" + entry.affected(),
                                entry.outcome())));
            return 0;
          };
        }
    }
  }

  private Action resolveUnknown(Map<String, String> flags, OperatorActions.Audit audit) {
    UUID id = uuid(required(flags, "transaction"));
    String outcome = required(flags, "outcome");
    String reason = required(flags, "reason");
    boolean completed;
    if (outcome.equals("completed")) {
      completed = true;
      required(flags, "bank-reference");
    } else if (outcome.equals("failed")) {
      completed = false;
      if (flags.containsKey("bank-reference")) {
        throw new IllegalArgumentException("--bank-reference goes with --outcome=completed only");
      }
    } else {
      throw new IllegalArgumentException(
          "--outcome must be completed or failed, got '" + outcome + "'");
    }
    return actions -> {
      return report(
          actions.resolveUnknown(id, completed, flags.get("bank-reference"), reason, audit),
          "Transaction "
              + id
              + " is "
              + (completed ? "COMPLETED" : "FAILED")
              + " by your decision (audited).");
    };
  }

  /** Prints what a decision did; exit code 0 when done, 1 when refused. */
  private int report(OperatorActions.Decision decision, String done) {
    if (!decision.done()) {
      out.println("Refused: " + decision.refusal() + ". Nothing changed.");
      return 1;
    }
    out.println(done);
    return 0;
  }

  private Action replayRequests(Map<String, String> flags, OperatorActions.Audit audit) {
    Long fromOffset =
        flags.containsKey("from-offset")
            ? nonNegative(flags.get("from-offset"), "--from-offset")
            : null;
    Instant fromTimestamp =
        flags.containsKey("from-timestamp") ? instant(flags.get("from-timestamp")) : null;
    if ((fromOffset == null) == (fromTimestamp == null)) {
      throw new IllegalArgumentException(
          "replay-requests needs exactly one of --from-offset or --from-timestamp");
    }
    Duration waitTimeout = duration(flags.get("wait-timeout"), "--wait-timeout");
    return actions -> {
      OperatorActions.Replay replay =
          actions.replayRequests(
              fromOffset,
              fromTimestamp,
              !flags.containsKey("no-wait"),
              flags.get("group"),
              waitTimeout,
              line -> out.println("  " + line),
              audit);
      out.println(
          "Re-read "
              + replay.records()
              + " records of "
              + Topics.TRANSACTION_REQUESTED
              + " ("
              + replay.transactions()
              + " transactions) and published them again (replay "
              + replay.id()
              + ").");
      if (replay.consumed() != null) {
        out.println(
            replay.consumed()
                ? "The workers consumed them: "
                    + replay.changed()
                    + " of "
                    + replay.transactions()
                    + " transactions changed"
                    + (replay.changed() == 0
                        ? " (all were finished: no bank call, nothing paid again)."
                        : " (those were not finished yet).")
                : "The workers have not consumed them all yet; run 'audit' later or check the group's lag.");
      }
      return 0;
    };
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>(DEFAULTS);
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "' (flags look like --name=value)");
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
      if (!DEFAULTS.containsKey(name) && !FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + " (see --help)");
      }
      if (equals < 0 && !name.equals("no-wait")) {
        throw new IllegalArgumentException("--" + name + " needs a value (--" + name + "=...)");
      }
      flags.put(name, equals < 0 ? "true" : arg.substring(equals + 1));
    }
    if (!AuditActor.isValid(flags.get("actor"))) {
      throw new IllegalArgumentException(
          "--actor must be " + AuditActor.RULE + " (it names you in the audit)");
    }
    return flags;
  }

  private static String describe(Map<String, String> flags) {
    StringBuilder text = new StringBuilder();
    flags.forEach(
        (name, value) -> {
          if (FLAGS.contains(name)) {
            text.append(text.isEmpty() ? "" : " ")
                .append("--")
                .append(name)
                .append('=')
                .append(value);
          }
        });
    return text.toString();
  }

  private static String required(Map<String, String> flags, String name) {
    String value = flags.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required (see --help)");
    }
    return value;
  }

  private static final java.util.regex.Pattern SHORT_DURATION =
      java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  /** 500ms, 30s, 10m, 2h, 1d, or ISO-8601 (PT1H). */
  private static Duration duration(String text, String flag) {
    Duration value;
    java.util.regex.Matcher parts = SHORT_DURATION.matcher(text.trim());
    try {
      if (parts.matches()) {
        long amount = Long.parseLong(parts.group(1));
        value =
            switch (parts.group(2)) {
              case "ms" -> Duration.ofMillis(amount);
              case "s" -> Duration.ofSeconds(amount);
              case "m" -> Duration.ofMinutes(amount);
              case "h" -> Duration.ofHours(amount);
              default -> Duration.ofDays(amount);
            };
      } else {
        value = Duration.parse(text.trim());
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          flag + " must be a duration such as 30s, 10m, 2h or PT1H, got '" + text + "'");
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive, got '" + text + "'");
    }
    return value;
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "--from-timestamp must be an ISO-8601 instant such as 2026-11-27T10:00:00Z, got '"
              + text
              + "'");
    }
  }

  private static UUID uuid(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--transaction must be a transaction id (a UUID), got '" + text + "'");
    }
  }

  private static long nonNegative(String text, String flag) {
    try {
      long value = Long.parseLong(text);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a whole number >= 0, got '" + text + "'");
    }
  }

  private static int positive(String text, String flag) {
    long value = nonNegative(text, flag);
    if (value == 0 || value > 10_000) {
      throw new IllegalArgumentException(flag + " must be between 1 and 10000, got '" + text + "'");
    }
    return (int) value;
  }
}

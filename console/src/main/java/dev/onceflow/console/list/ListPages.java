package dev.onceflow.console.list;

import dev.onceflow.console.Operations;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import dev.onceflow.ops.OperatorActions;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The lists' pages. A filter the list does not know (a state, a code, a duration, a cursor) is a
 * 400 naming what it takes, never an empty list that looks like good news.
 */
@Controller
class ListPages {

  /** Dead letters shown on one page, per partition. */
  static final int DEAD_LETTER_PAGE = 50;

  private final PaymentLists lists;
  private final Operations operations;

  ListPages(PaymentLists lists, Operations operations) {
    this.lists = lists;
    this.operations = operations;
  }

  /**
   * Unfinished payments that have not changed for {@code unchangedFor} (default a minute): the ones
   * a healthy pipeline would have moved on.
   */
  @GetMapping("/lists/stuck")
  String stuck(
      @RequestParam(required = false) String state,
      @RequestParam(defaultValue = "1m") String unchangedFor,
      @RequestParam(required = false) String after,
      Model model) {
    TransactionState filter = state == null || state.isBlank() ? null : unfinished(state);
    model.addAttribute("states", PaymentLists.UNFINISHED);
    model.addAttribute("state", filter == null ? "" : filter.name());
    model.addAttribute("unchangedFor", unchangedFor);
    model.addAttribute("page", lists.stuck(filter, duration(unchangedFor), Cursor.parse(after)));
    return "console/stuck";
  }

  @GetMapping("/lists/failed")
  String failed(
      @RequestParam(required = false) String code,
      @RequestParam(required = false) String after,
      Model model) {
    FailureCode filter = code == null || code.isBlank() ? null : failureCode(code);
    model.addAttribute("code", filter == null ? "" : filter.name());
    model.addAttribute("byCode", lists.failedByCode());
    model.addAttribute("page", lists.failed(filter, Cursor.parse(after)));
    return "console/failed";
  }

  /**
   * The dead-letter topic from {@code from} (default its beginning), with the form that asks for
   * their replay. Kafka out of reach is said on the page.
   */
  @GetMapping("/dead-letters")
  String deadLetters(@RequestParam(defaultValue = "0") long from, Model model) {
    if (from < 0) {
      throw new IllegalArgumentException("from is an offset, 0 or more: " + from);
    }
    model.addAttribute("from", from);
    try (OperatorActions actions = operations.open()) {
      OperatorActions.DeadLetters parked = actions.deadLetters(from, DEAD_LETTER_PAGE);
      List<OperatorActions.DeadLetter> letters = parked.letters();
      model.addAttribute("letters", letters);
      model.addAttribute("ends", parked.ends());
      model.addAttribute(
          "next",
          letters.size() < DEAD_LETTER_PAGE
              ? null
              : letters.stream().mapToLong(OperatorActions.DeadLetter::offset).max().getAsLong()
                  + 1);
    } catch (Exception e) {
      model.addAttribute("unreachable", "Kafka did not answer: " + e.getMessage());
      model.addAttribute("letters", List.of());
    }
    return "console/dead-letters";
  }

  private static TransactionState unfinished(String state) {
    for (TransactionState known : PaymentLists.UNFINISHED) {
      if (known.name().equalsIgnoreCase(state.trim())) {
        return known;
      }
    }
    throw new IllegalArgumentException(
        "state must be one of "
            + PaymentLists.UNFINISHED
            + " (final payments are not stuck): "
            + state);
  }

  private static FailureCode failureCode(String code) {
    try {
      return FailureCode.valueOf(code.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "code must be one of " + List.of(FailureCode.values()) + ": " + code);
    }
  }

  /** {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT90S}). */
  static Duration duration(String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (value.matches("\\d{1,9}[smhd]")) {
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
      }
      Duration parsed = Duration.parse(text.trim());
      if (parsed.isNegative()) {
        throw new IllegalArgumentException("negative");
      }
      return parsed;
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unchangedFor must be a duration such as 30s, 5m, 2h, 1d or PT90S: " + text);
    }
  }
}

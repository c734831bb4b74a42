package dev.onceflow.console.payment;

import dev.onceflow.store.TransactionHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A payment's history as one timeline, oldest first, as its page shows it: the same order as the
 * ops CLI's {@code history} (a state change, then the event it announced, a bank call, an ops
 * action at one instant), in columns rather than lines.
 */
final class PaymentTimeline {

  private PaymentTimeline() {}

  /** The kinds of entry, in the order they sort at one instant. */
  enum Kind {
    STATE,
    EVENT,
    BANK,
    OPS
  }

  /**
   * One entry. {@code waiting} marks a bank call started and never answered: the payment's fate
   * depends on what the bank did.
   */
  record Entry(Instant at, Kind kind, String what, String by, String detail, boolean waiting) {}

  static List<Entry> entries(
      List<TransactionHistory.StateChange> states,
      List<TransactionHistory.Event> events,
      List<TransactionHistory.BankCall> calls,
      List<TransactionHistory.Action> actions,
      Instant now) {
    List<Entry> entries = new ArrayList<>();
    for (TransactionHistory.StateChange change : states) {
      entries.add(
          new Entry(
              change.at(),
              Kind.STATE,
              (change.fromState() == null ? "created" : change.fromState())
                  + " → "
                  + change.toState(),
              change.component() + " (" + change.instance() + ")",
              change.reason(),
              false));
    }
    for (TransactionHistory.Event event : events) {
      entries.add(
          new Entry(
              event.at(),
              Kind.EVENT,
              event.type(),
              event.instance(),
              "outbox event " + event.eventId(),
              false));
    }
    for (TransactionHistory.BankCall call : calls) {
      entries.add(
          new Entry(
              call.startedAt(),
              Kind.BANK,
              call.kind() + " " + call.attempt() + " (key " + call.externalKey() + ")",
              call.instance(),
              call.answer(now),
              call.endedAt() == null));
    }
    for (TransactionHistory.Action action : actions) {
      entries.add(
          new Entry(
              action.at(),
              Kind.OPS,
              action.action() + " " + action.parameters(),
              action.actor(),
              action.outcome(),
              false));
    }
    // A stable sort: entries of one kind at one instant keep the store's order (by row id).
    entries.sort(Comparator.comparing(Entry::at).thenComparing(Entry::kind));
    return List.copyOf(entries);
  }
}

package dev.onceflow.ops;

import dev.onceflow.store.TransactionHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A payment's history as one timeline, oldest first: what an operator reads. */
final class Timeline {

  private Timeline() {}

  private record Entry(Instant at, int order, String line) {}

  /** One line per state change, event, bank call and ops action, in time order. */
  static List<String> lines(OperatorActions.PaymentHistory history, Instant now) {
    List<Entry> entries = new ArrayList<>();
    for (TransactionHistory.StateChange change : history.states()) {
      entries.add(
          new Entry(
              change.at(),
              0,
              change.at()
                  + "  state   "
                  + (change.fromState() == null ? "created" : change.fromState())
                  + " -> "
                  + change.toState()
                  + "  by "
                  + change.component()
                  + " ("
                  + change.instance()
                  + "): "
                  + change.reason()));
    }
    for (TransactionHistory.Event event : history.events()) {
      entries.add(
          new Entry(
              event.at(),
              1,
              event.at()
                  + "  event   "
                  + event.type()
                  + " "
                  + event.eventId()
                  + " by "
                  + event.instance()));
    }
    for (TransactionHistory.BankCall call : history.calls()) {
      entries.add(
          new Entry(call.startedAt(), 2, call.startedAt() + "  bank    " + describe(call, now)));
    }
    for (TransactionHistory.Action action : history.actions()) {
      entries.add(
          new Entry(
              action.at(),
              3,
              action.at()
                  + "  ops     "
                  + action.action()
                  + " by "
                  + action.actor()
                  + " "
                  + action.parameters()
                  + ": "
                  + action.outcome()));
    }
    entries.sort(Comparator.comparing(Entry::at).thenComparing(Entry::order));
    List<String> lines = new ArrayList<>();
    lines.add("Transaction " + history.id());
    entries.forEach(entry -> lines.add(entry.line()));
    return lines;
  }

  private static String describe(TransactionHistory.BankCall call, Instant now) {
    return call.kind()
        + " "
        + call.attempt()
        + " (key "
        + call.externalKey()
        + ") by "
        + call.instance()
        + ": "
        + call.answer(now);
  }
}

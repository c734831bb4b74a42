package dev.onceflow.console.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.console.payment.PaymentTimeline.Entry;
import dev.onceflow.console.payment.PaymentTimeline.Kind;
import dev.onceflow.store.TransactionHistory;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PaymentTimelineTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void mergesStatesEventsCallsAndActionsInTimeOrder() {
    List<Entry> entries =
        PaymentTimeline.entries(
            List.of(
                new TransactionHistory.StateChange(
                    T0, null, "PENDING", "intake", "intake@host:1", "accepted"),
                new TransactionHistory.StateChange(
                    T0.plusSeconds(1), "PENDING", "PROCESSING", "worker", "w@host:2", "claimed"),
                new TransactionHistory.StateChange(
                    T0.plusSeconds(3), "PROCESSING", "COMPLETED", "worker", "w@host:2", "settled")),
            List.of(
                new TransactionHistory.Event(
                    UUID.fromString("00000000-0000-0000-0000-00000000000e"),
                    "TransactionRequested",
                    T0,
                    "intake@host:1")),
            List.of(
                new TransactionHistory.BankCall(
                    7,
                    "PAYMENT",
                    1,
                    "ext-1",
                    "w@host:2",
                    T0.plusSeconds(1),
                    T0.plusSeconds(2),
                    "ACCEPTED",
                    201,
                    840,
                    "bank-9",
                    null)),
            List.of(
                new TransactionHistory.Action(
                    T0.plusSeconds(3), "alice", "history", "--id x", 0, "read")),
            T0.plusSeconds(60));

    assertThat(entries)
        .extracting(Entry::kind)
        .containsExactly(Kind.STATE, Kind.EVENT, Kind.STATE, Kind.BANK, Kind.STATE, Kind.OPS);
    assertThat(entries.get(0).what()).isEqualTo("created → PENDING");
    assertThat(entries.get(1).what()).isEqualTo("TransactionRequested");
    assertThat(entries.get(1).detail())
        .isEqualTo("outbox event 00000000-0000-0000-0000-00000000000e");
    assertThat(entries.get(3).what()).isEqualTo("PAYMENT 1 (key ext-1)");
    assertThat(entries.get(3).detail())
        .isEqualTo("ACCEPTED, HTTP 201, 840 ms, bank reference bank-9");
    assertThat(entries.get(3).waiting()).isFalse();
    assertThat(entries.get(5).by()).isEqualTo("alice");
  }

  @Test
  void aCallWithNoAnswerSaysSoWithItsAge() {
    List<Entry> entries =
        PaymentTimeline.entries(
            List.of(),
            List.of(),
            List.of(
                new TransactionHistory.BankCall(
                    1, "PAYMENT", 2, "ext-1", "w@host:2", T0, null, null, null, null, null, null)),
            List.of(),
            T0.plusSeconds(3723).plusMillis(400));

    assertThat(entries)
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.waiting()).isTrue();
              assertThat(entry.detail()).isEqualTo("call started, no answer for 1h2m3s");
            });
  }
}

package dev.onceflow.bank.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.bank.SimulatorProperties;
import dev.onceflow.bank.fault.FaultPlan;
import dev.onceflow.bank.fault.Faults;
import dev.onceflow.bank.payment.PaymentLedger.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class PaymentLedgerTest {

  private static final PaymentRequest REQUEST =
      new PaymentRequest(500, "EUR", "ACME GmbH", "DE89370400440532013000", "tx-1", "invoice 7");
  private static final FaultPlan.Decline REJECTED =
      new FaultPlan.Decline(422, "Rejected by the bank after acceptance.");

  private final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T10:00:00Z"));
  private final JsonMapper json = JsonMapper.builder().build();

  @TempDir Path directory;

  @Test
  void aPendingPaymentResolvesWhenTheLedgerIsReadAfterItsTime() {
    PaymentLedger ledger = ledger(null);

    Outcome accepted = ledger.pay("k-1", REQUEST, null, pending(null), null);
    clock.advance(Duration.ofMillis(1_999));

    assertThat(((Outcome.Executed) accepted).payment().status()).isEqualTo(Payment.PENDING);
    assertThat(ledger.find("k-1")).get().extracting(Payment::status).isEqualTo(Payment.PENDING);
    assertThat(((Outcome.Replayed) ledger.pay("k-1", REQUEST)).payment().status())
        .isEqualTo(Payment.PENDING);
    clock.advance(Duration.ofMillis(1));
    assertThat(ledger.all())
        .singleElement()
        .satisfies(
            payment -> {
              assertThat(payment.status()).isEqualTo(Payment.SETTLED);
              assertThat(payment.declineStatus()).isNull();
              assertThat(payment.calls()).isEqualTo(2);
              assertThat(payment.executions()).isEqualTo(1);
            });
  }

  @Test
  void aRejectedPendingPaymentEndsDeclinedOnAReplay() {
    PaymentLedger ledger = ledger(null);
    ledger.pay("k-2", REQUEST, null, pending(REJECTED), null);
    clock.advance(Duration.ofSeconds(5));

    Payment replayed = ((Outcome.Replayed) ledger.pay("k-2", REQUEST)).payment();

    assertThat(replayed.status()).isEqualTo(Payment.DECLINED);
    assertThat(replayed.declineStatus()).isEqualTo(422);
    assertThat(replayed.declineReason()).isEqualTo("Rejected by the bank after acceptance.");
    assertThat(replayed.calls()).isEqualTo(2);
  }

  @Test
  void journalsTheResolutionOnceAndKeepsTheScheduleAcrossARestart() throws Exception {
    Path journal = directory.resolve("ledger.jsonl");
    PaymentLedger before = ledger(journal);
    before.pay("k-3", REQUEST, null, pending(null), null);
    before.close();

    PaymentLedger after = ledger(journal);
    assertThat(after.find("k-3")).get().extracting(Payment::status).isEqualTo(Payment.PENDING);
    clock.advance(Duration.ofSeconds(2));
    for (int i = 0; i < 3; i++) {
      assertThat(after.find("k-3")).get().extracting(Payment::status).isEqualTo(Payment.SETTLED);
      after.all();
    }
    after.close();

    List<String> lines = Files.readAllLines(journal);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("\"status\":\"SETTLED\"");
  }

  @Test
  void countsOpenCallsPerKeyAndKeepsTheMost() {
    PaymentLedger ledger = ledger(null);

    ledger.callOpened("k-4");
    ledger.callOpened("k-4");
    ledger.callOpened("other");
    ledger.callClosed("k-4");
    Payment first = ((Outcome.Executed) ledger.pay("k-4", REQUEST)).payment();
    ledger.callClosed("k-4");
    ledger.callClosed("other");

    assertThat(first.maxConcurrentCalls()).as("two were open while this key waited").isEqualTo(2);
    assertThat(first.executions()).isEqualTo(1);

    // Later calls one at a time keep the most seen; one arriving while another is open raises it.
    ledger.callOpened("k-4");
    ledger.pay("k-4", REQUEST);
    ledger.callClosed("k-4");
    assertThat(ledger.find("k-4")).get().extracting(Payment::maxConcurrentCalls).isEqualTo(2);
    ledger.callOpened("k-4");
    ledger.callOpened("k-4");
    ledger.callOpened("k-4");
    assertThat(ledger.find("k-4")).get().extracting(Payment::maxConcurrentCalls).isEqualTo(3);
    ledger.callClosed("k-4");
    ledger.callClosed("k-4");
    ledger.callClosed("k-4");

    ledger.callOpened("k-5");
    Payment alone = ((Outcome.Executed) ledger.pay("k-5", REQUEST)).payment();
    ledger.callClosed("k-5");
    assertThat(alone.maxConcurrentCalls()).isEqualTo(1);
    assertThat(ledger.pay("k-6", REQUEST)).isInstanceOf(Outcome.Executed.class);
    assertThat(ledger.find("k-6")).get().extracting(Payment::maxConcurrentCalls).isEqualTo(1);
  }

  private static FaultPlan.Pending pending(FaultPlan.Decline rejection) {
    return new FaultPlan.Pending(Duration.ofSeconds(2), rejection);
  }

  private PaymentLedger ledger(Path journal) {
    return new PaymentLedger(new SimulatorProperties(journal, Faults.NONE, null), clock, json);
  }

  /** A clock that moves only when told. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}

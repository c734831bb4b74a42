package dev.onceflow.bank.payment;

import dev.onceflow.bank.SimulatorProperties;
import dev.onceflow.bank.fault.FaultPlan;
import jakarta.annotation.PreDestroy;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bank's own store: one entry per idempotency key, holding the first call's request and its
 * result. With a journal file configured, every change is appended to it and replayed at start, so
 * the ledger survives a restart (the local stack keeps it in its data directory).
 *
 * <p>A pending payment resolves lazily: whenever its entry is read or written after its resolve
 * time, it is resolved (and the resolution journaled) first. No timer is needed, and a restart with
 * the journal keeps the schedule, which the entry holds.
 *
 * <p>It also measures what a client does to it: how many times each key was executed (counted apart
 * from the entries, so that a second execution would show even if it replaced the first entry) and
 * how many calls with a key were open at once ({@link #callOpened}, {@link #callClosed}).
 */
@Component
public class PaymentLedger {

  /** What a call for a key turned into. */
  public sealed interface Outcome {
    /** The first call: the payment was executed (settled, declined or accepted as pending). */
    record Executed(Payment payment) implements Outcome {}

    /** A repeated call with the same content: the stored result, with the call counted. */
    record Replayed(Payment payment) implements Outcome {}

    /** A repeated call with different content: refused, nothing changes. */
    record KeyReused(Payment stored) implements Outcome {}
  }

  /**
   * The journal's line format: the first request for a key, the latest state of its result and,
   * while it is PENDING, how it will resolve (null otherwise).
   */
  record Entry(PaymentRequest request, Payment payment, Resolution pending) {

    Entry withPayment(Payment newPayment) {
      return new Entry(request, newPayment, pending);
    }

    boolean dueAt(Instant now) {
      return pending != null && !now.isBefore(pending.at());
    }
  }

  /**
   * How and when a PENDING payment resolves, decided when it was accepted.
   *
   * @param at when it resolves
   * @param rejection the decline it ends in; null when it ends SETTLED
   */
  record Resolution(Instant at, FaultPlan.Decline rejection) {}

  /**
   * The calls with one key open right now, and the most that were open at once since the key last
   * had none open.
   */
  private record OpenCalls(int open, int peak) {

    OpenCalls opened() {
      return new OpenCalls(open + 1, Math.max(peak, open + 1));
    }

    OpenCalls closed() {
      return new OpenCalls(open - 1, peak);
    }
  }

  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Integer> executions = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, OpenCalls> openCalls = new ConcurrentHashMap<>();
  private final Clock clock;
  private final JsonMapper json;
  private final BufferedWriter journal;

  public PaymentLedger(SimulatorProperties properties, Clock clock, JsonMapper json) {
    this.clock = clock;
    this.json = json;
    this.journal = properties.journal() == null ? null : openJournal(properties.journal());
  }

  /**
   * Executes the payment once for {@code key}; later calls with the same key get the stored result.
   * Per-key atomic: concurrent calls with one key execute it once.
   */
  public Outcome pay(String key, PaymentRequest request) {
    return pay(key, request, null, null, null);
  }

  /**
   * Like {@link #pay(String, PaymentRequest)}, but a first call for {@code key} is refused with
   * {@code decline} (when not null) and the refusal is stored: later calls get it again. The first
   * call's {@code traceparent} (may be null) is kept with the payment.
   */
  public Outcome pay(
      String key, PaymentRequest request, FaultPlan.Decline decline, String traceparent) {
    return pay(key, request, decline, null, traceparent);
  }

  /**
   * Like {@link #pay(String, PaymentRequest, FaultPlan.Decline, String)}, but with {@code pending}
   * (when not null) a first call for {@code key} is accepted as PENDING, and resolves {@code
   * pending.resolveAfter()} later as {@code pending} says.
   */
  public Outcome pay(
      String key,
      PaymentRequest request,
      FaultPlan.Decline decline,
      FaultPlan.Pending pending,
      String traceparent) {
    Outcome[] outcome = new Outcome[1];
    entries.compute(
        key,
        (k, stored) -> {
          Entry existing = stored == null ? null : resolveIfDue(stored);
          if (existing == null) {
            Instant now = clock.instant();
            // Counted here, where the payment is executed, not assumed from there being one entry.
            int executed = executions.merge(key, 1, Integer::sum);
            String status =
                pending != null
                    ? Payment.PENDING
                    : decline == null ? Payment.SETTLED : Payment.DECLINED;
            boolean declined = Payment.DECLINED.equals(status);
            Payment payment =
                new Payment(
                    UUID.randomUUID().toString(),
                    key,
                    request.endToEndReference(),
                    request.amount(),
                    request.currency(),
                    request.creditorIban(),
                    request.remittanceInformation(),
                    status,
                    declined ? decline.reason() : null,
                    declined ? decline.status() : null,
                    1,
                    executed,
                    peakOpenCalls(key),
                    now,
                    traceparent);
            Resolution resolution =
                pending == null
                    ? null
                    : new Resolution(now.plus(pending.resolveAfter()), pending.rejection());
            outcome[0] = new Outcome.Executed(payment);
            return append(new Entry(request, payment, resolution));
          }
          if (!existing.request().equals(request)) {
            outcome[0] = new Outcome.KeyReused(existing.payment());
            return existing;
          }
          Payment payment = existing.payment();
          Entry counted =
              existing.withPayment(
                  payment.withCounts(
                      payment.calls() + 1,
                      Math.max(payment.maxConcurrentCalls(), peakOpenCalls(key))));
          outcome[0] = new Outcome.Replayed(counted.payment());
          return append(counted);
        });
    return outcome[0];
  }

  /** The payment stored for {@code key}, if the bank ever executed one. */
  public Optional<Payment> find(String key) {
    Entry entry = entries.get(key);
    if (entry != null && entry.dueAt(clock.instant())) {
      entry = entries.computeIfPresent(key, (k, due) -> resolveIfDue(due));
    }
    return Optional.ofNullable(entry).map(Entry::payment);
  }

  /** Every payment, oldest first. */
  public List<Payment> all() {
    Instant now = clock.instant();
    entries.forEach(
        (key, entry) -> {
          if (entry.dueAt(now)) {
            entries.computeIfPresent(key, (k, due) -> resolveIfDue(due));
          }
        });
    return entries.values().stream()
        .map(Entry::payment)
        .sorted(Comparator.comparing(Payment::createdAt))
        .toList();
  }

  /**
   * A {@code POST /payments} call with {@code key} arrived: counted as open until {@link
   * #callClosed}, which the caller must call in a finally. If the key already has a payment, the
   * most calls ever open at once for it is raised to what is open now.
   */
  public void callOpened(String key) {
    int peak =
        openCalls
            .compute(key, (k, calls) -> calls == null ? new OpenCalls(1, 1) : calls.opened())
            .peak();
    if (peak > 1) { // every payment records at least 1 already
      // computeIfPresent waits for a payment being executed for the key, which may have read the
      // peak before this call raised it.
      entries.computeIfPresent(
          key,
          (k, stored) -> {
            Entry entry = resolveIfDue(stored);
            if (entry.payment().maxConcurrentCalls() >= peak) {
              return entry;
            }
            return append(
                entry.withPayment(entry.payment().withCounts(entry.payment().calls(), peak)));
          });
    }
  }

  /** The call {@link #callOpened} counted is over: its answer was written, or abandoned. */
  public void callClosed(String key) {
    openCalls.computeIfPresent(key, (k, calls) -> calls.open() <= 1 ? null : calls.closed());
  }

  /**
   * The most calls with {@code key} open at once lately; 1 for a call that was not counted open.
   */
  private int peakOpenCalls(String key) {
    OpenCalls calls = openCalls.get(key);
    return calls == null ? 1 : Math.max(1, calls.peak());
  }

  /** The entry, or its resolution (journaled) if it is PENDING and its time has come. */
  private Entry resolveIfDue(Entry entry) {
    if (!entry.dueAt(clock.instant())) {
      return entry;
    }
    FaultPlan.Decline rejection = entry.pending().rejection();
    Payment resolved =
        rejection == null
            ? entry.payment().resolved(Payment.SETTLED, null, null)
            : entry.payment().resolved(Payment.DECLINED, rejection.reason(), rejection.status());
    return append(new Entry(entry.request(), resolved, null));
  }

  private Entry append(Entry entry) {
    if (journal != null) {
      try {
        synchronized (journal) {
          journal.write(json.writeValueAsString(entry));
          journal.newLine();
          // Flushed to the OS per entry: the result must outlive a kill -9 of this process.
          journal.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the ledger journal", e);
      }
    }
    return entry;
  }

  private BufferedWriter openJournal(Path path) {
    try {
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      if (Files.exists(path)) {
        try (var lines = Files.lines(path, StandardCharsets.UTF_8)) {
          lines
              .filter(line -> !line.isBlank())
              .map(line -> json.treeToValue(upgraded(json.readTree(line)), Entry.class))
              .forEach(
                  entry -> {
                    String key = entry.payment().idempotencyKey();
                    entries.put(key, entry);
                    executions.put(key, entry.payment().executions());
                  });
        }
      }
      return Files.newBufferedWriter(
          path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the ledger journal " + path, e);
    }
  }

  /**
   * A journal line written before payments counted their executions and concurrent calls: one of
   * each, which is all a ledger without the count could hold.
   */
  private static JsonNode upgraded(JsonNode line) {
    if (line.get("payment") instanceof ObjectNode payment) {
      if (!payment.has("executions")) {
        payment.put("executions", 1);
      }
      if (!payment.has("maxConcurrentCalls")) {
        payment.put("maxConcurrentCalls", 1);
      }
    }
    return line;
  }

  @PreDestroy
  void close() throws IOException {
    if (journal != null) {
      synchronized (journal) {
        journal.close();
      }
    }
  }
}

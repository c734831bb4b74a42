package dev.onceflow.bank.payment;

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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bank's own store: one entry per idempotency key, holding the first call's request and its
 * result. With a journal file configured, every change is appended to it and replayed at start, so
 * the ledger survives a restart (the local stack keeps it in its data directory).
 */
@Component
public class PaymentLedger {

  /** What a call for a key turned into. */
  public sealed interface Outcome {
    /** The first call: the payment was executed (settled or declined). */
    record Executed(Payment payment) implements Outcome {}

    /** A repeated call with the same content: the stored result, with the call counted. */
    record Replayed(Payment payment) implements Outcome {}

    /** A repeated call with different content: refused, nothing changes. */
    record KeyReused(Payment stored) implements Outcome {}
  }

  /** The journal's line format: the first request for a key and the latest state of its result. */
  record Entry(PaymentRequest request, Payment payment) {}

  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
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
    return pay(key, request, null, null);
  }

  /**
   * Like {@link #pay(String, PaymentRequest)}, but a first call for {@code key} is refused with
   * {@code decline} (when not null) and the refusal is stored: later calls get it again. The first
   * call's {@code traceparent} (may be null) is kept with the payment.
   */
  public Outcome pay(
      String key, PaymentRequest request, FaultPlan.Decline decline, String traceparent) {
    Outcome[] outcome = new Outcome[1];
    entries.compute(
        key,
        (k, existing) -> {
          if (existing == null) {
            Payment payment =
                new Payment(
                    UUID.randomUUID().toString(),
                    key,
                    request.endToEndReference(),
                    request.amount(),
                    request.currency(),
                    request.creditorIban(),
                    decline == null ? Payment.SETTLED : Payment.DECLINED,
                    decline == null ? null : decline.reason(),
                    decline == null ? null : decline.status(),
                    1,
                    clock.instant(),
                    traceparent);
            outcome[0] = new Outcome.Executed(payment);
            return append(new Entry(request, payment));
          }
          if (!existing.request().equals(request)) {
            outcome[0] = new Outcome.KeyReused(existing.payment());
            return existing;
          }
          Entry counted =
              new Entry(existing.request(), existing.payment().withCalls(existing.payment().calls() + 1));
          outcome[0] = new Outcome.Replayed(counted.payment());
          return append(counted);
        });
    return outcome[0];
  }

  /** The payment stored for {@code key}, if the bank ever executed one. */
  public Optional<Payment> find(String key) {
    return Optional.ofNullable(entries.get(key)).map(Entry::payment);
  }

  /** Every payment, oldest first. */
  public List<Payment> all() {
    return entries.values().stream()
        .map(Entry::payment)
        .sorted(Comparator.comparing(Payment::createdAt))
        .toList();
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
              .map(line -> json.readValue(line, Entry.class))
              .forEach(entry -> entries.put(entry.payment().idempotencyKey(), entry));
        }
      }
      return Files.newBufferedWriter(
          path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the ledger journal " + path, e);
    }
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

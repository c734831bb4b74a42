package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.Account;
import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.IdempotencyKey;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.IdempotencyKeys;
import dev.onceflow.store.OutboxWriter;
import dev.onceflow.store.TransactionTransitions;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns a request with an Idempotency-Key into exactly one transaction. Everything happens in one
 * DB transaction: claim the key, reserve the funds, insert the transaction, write the outbox event.
 * Any refusal throws, which rolls back the claim too, so a refused request leaves nothing behind.
 *
 * <p>Drafts (the two-step flow) are created here too: same validation and key handling, but nothing
 * is reserved and no event is written until {@link DraftConfirmation} confirms them.
 */
@Service
public class PaymentIntake {

  /**
   * The answer to a submission: the transaction, and whether it was decided by an earlier request.
   */
  public record Submission(PaymentTransaction transaction, boolean replayed) {
    /** Refused for insufficient funds at intake: answered 422, like its replays. */
    public boolean refused() {
      return transaction.getFailureCode() == FailureCode.INSUFFICIENT_FUNDS;
    }
  }

  private final IdempotencyKeyRepository keys;
  private final AccountRepository accounts;
  private final TransactionRepository transactions;
  private final IdempotencyKeys keyStatements;
  private final TransactionTransitions transitions;
  private final AccountFunds funds;
  private final OutboxWriter outbox;
  private final IntakeProperties properties;
  private final Clock clock;
  private final Tracer tracer;

  PaymentIntake(
      IdempotencyKeyRepository keys,
      AccountRepository accounts,
      TransactionRepository transactions,
      IdempotencyKeys keyStatements,
      TransactionTransitions transitions,
      AccountFunds funds,
      OutboxWriter outbox,
      IntakeProperties properties,
      Clock clock,
      Tracer tracer) {
    this.keys = keys;
    this.accounts = accounts;
    this.transactions = transactions;
    this.keyStatements = keyStatements;
    this.transitions = transitions;
    this.funds = funds;
    this.outbox = outbox;
    this.properties = properties;
    this.clock = clock;
    this.tracer = tracer;
  }

  /** The request's trace id, which the client sees on the transaction; null without a trace. */
  private String traceId() {
    Span span = tracer.currentSpan();
    return span == null ? null : span.context().traceId();
  }

  @Transactional
  public Submission submit(AuthenticatedClient client, String key, SubmitPayment payment) {
    Instant now = now();
    String fingerprint = payment.fingerprint();
    UUID transactionId = UUID.randomUUID();
    if (!claim(client, key, fingerprint, transactionId, now)) {
      return replay(client, key, fingerprint, now);
    }

    PaymentTransaction transaction = newTransaction(transactionId, client, key, payment, now);
    TransactionLogContext.describe(transactionId, key, transaction.getExternalKey());
    if (!funds.reserve(
        payment.accountId(), client.id(), payment.currency(), payment.amount(), now)) {
      Account account = accountOrRefuse(client, payment);
      transaction.refuseAtIntake(
          FailureCode.INSUFFICIENT_FUNDS,
          "Available funds " + account.getAvailable() + " do not cover " + payment.amount() + ".");
      transitions.insert(transaction);
      TransactionLogContext.describe(
          outbox.append(EventType.TRANSACTION_FAILED, transactionId, now));
      return new Submission(transaction, false);
    }
    transitions.insert(transaction);
    TransactionLogContext.describe(
        outbox.append(EventType.TRANSACTION_REQUESTED, transactionId, now));
    return new Submission(transaction, false);
  }

  /**
   * Creates a DRAFT: validated like a submission (the account must exist and hold the currency),
   * but nothing is reserved and no event is written. With a key, the creation is idempotent like a
   * submission (a key used for a submission cannot also create a draft); without one, every call
   * creates a draft and its server-chosen id is what makes the confirm idempotent.
   */
  @Transactional
  public Submission createDraft(
      AuthenticatedClient client, Optional<String> key, SubmitPayment payment) {
    Instant now = now();
    String fingerprint = payment.draftFingerprint();
    UUID transactionId = UUID.randomUUID();
    if (key.isPresent() && !claim(client, key.get(), fingerprint, transactionId, now)) {
      return replay(client, key.get(), fingerprint, now);
    }
    accountOrRefuse(client, payment);
    PaymentTransaction draft =
        newTransaction(transactionId, client, key.orElse(null), payment, now);
    TransactionLogContext.describe(transactionId, key.orElse(null), draft.getExternalKey());
    draft.keepAsDraft(now.plus(properties.draftTtl()));
    transitions.insert(draft);
    return new Submission(draft, false);
  }

  private boolean claim(
      AuthenticatedClient client, String key, String fingerprint, UUID transactionId, Instant now) {
    int claimed =
        keyStatements.claim(
            client.id(),
            key,
            fingerprint,
            transactionId,
            now,
            now.plus(properties.idempotencyKeyTtl()));
    if (claimed > 1) {
      throw new IllegalStateException(claimed + " rows claimed for one key: " + key);
    }
    return claimed == 1;
  }

  private PaymentTransaction newTransaction(
      UUID transactionId,
      AuthenticatedClient client,
      String idempotencyKey,
      SubmitPayment payment,
      Instant now) {
    return new PaymentTransaction(
        transactionId,
        client.id(),
        payment.accountId(),
        payment.amount(),
        payment.currency(),
        payment.creditorName(),
        payment.creditorIban(),
        payment.reference(),
        UUID.randomUUID().toString(),
        idempotencyKey,
        traceId(),
        now,
        now.plus(properties.redriveAfter()));
  }

  private Instant now() {
    // PostgreSQL keeps microseconds: the first answer must show what every later read shows.
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  private Submission replay(
      AuthenticatedClient client, String key, String fingerprint, Instant now) {
    // The claim found a live row, and it stays live at least until `now`.
    IdempotencyKey existing =
        keys.findLive(client.id(), key, now)
            .orElseThrow(() -> new IllegalStateException("claimed key vanished: " + key));
    if (!existing.getRequestFingerprint().equals(fingerprint)) {
      throw Refusal.unprocessable(
          "idempotency-key-reused",
          "Idempotency-Key reused",
          "Idempotency-Key '"
              + key
              + "' was already used for a different request; nothing was changed.");
    }
    PaymentTransaction transaction =
        transactions
            .findByIdAndClientId(existing.getTransactionId(), client.id())
            .orElseThrow(() -> new IllegalStateException("key without transaction: " + key));
    TransactionLogContext.describe(transaction.getId(), key, transaction.getExternalKey());
    return new Submission(transaction, true);
  }

  /** Why the reservation matched no row: refuses unknown accounts and currency mismatches. */
  private Account accountOrRefuse(AuthenticatedClient client, SubmitPayment payment) {
    Account account =
        accounts
            .findByIdAndClientId(payment.accountId(), client.id())
            .orElseThrow(
                () ->
                    Refusal.notFound(
                        "account-not-found", "No account " + payment.accountId() + "."));
    if (!account.getCurrency().equals(payment.currency())) {
      throw Refusal.unprocessable(
          "currency-mismatch",
          "Currency mismatch",
          "Account "
              + account.getId()
              + " holds "
              + account.getCurrency()
              + "; the payment is in "
              + payment.currency()
              + ".");
    }
    return account;
  }
}

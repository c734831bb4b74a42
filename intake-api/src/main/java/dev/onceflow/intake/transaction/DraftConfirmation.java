package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.model.TransactionState;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.OutboxWriter;
import dev.onceflow.store.TransactionTransitions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The second step of the two-step flow: {@code PUT /transactions/{id}/confirm}. The confirm is
 * idempotent by the transaction's id: only the request whose conditional UPDATE moves the row out
 * of DRAFT reserves funds and writes the event; every other confirm, concurrent or later, changes
 * nothing and answers the transaction as it now is.
 */
@Service
public class DraftConfirmation {

  /** What a confirm answers: the transaction as it stands after the request. */
  public record Confirmation(PaymentTransaction transaction) {
    /**
     * Whether the draft was refused instead of confirmed (insufficient funds at the confirm, or
     * expired): answered 422 to this and every later confirm.
     */
    public boolean refused() {
      FailureCode code = transaction.getFailureCode();
      return transaction.getState() == TransactionState.FAILED
          && (code == FailureCode.INSUFFICIENT_FUNDS || code == FailureCode.DRAFT_EXPIRED);
    }
  }

  private enum Outcome {
    CONFIRMED,
    REFUSED,
    LOST_RACE
  }

  private final TransactionRepository transactions;
  private final AccountRepository accounts;
  private final TransactionTransitions transitions;
  private final AccountFunds funds;
  private final OutboxWriter outbox;
  private final TransactionTemplate inTransaction;
  private final IntakeProperties properties;
  private final Clock clock;

  DraftConfirmation(
      TransactionRepository transactions,
      AccountRepository accounts,
      TransactionTransitions transitions,
      AccountFunds funds,
      OutboxWriter outbox,
      PlatformTransactionManager transactionManager,
      IntakeProperties properties,
      Clock clock) {
    this.transactions = transactions;
    this.accounts = accounts;
    this.transitions = transitions;
    this.funds = funds;
    this.outbox = outbox;
    this.inTransaction = new TransactionTemplate(transactionManager);
    this.properties = properties;
    this.clock = clock;
  }

  public Confirmation confirm(AuthenticatedClient client, UUID id) {
    PaymentTransaction current = find(client, id);
    TransactionLogContext.describe(id, current.getIdempotencyKey(), current.getExternalKey());
    if (current.getState() == TransactionState.DRAFT) {
      Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
      if (current.getLeaseUntil().isAfter(now)) {
        inTransaction.execute(
            status -> {
              Outcome outcome = confirmOrRefuse(current, now);
              if (outcome == Outcome.LOST_RACE) {
                // Another confirm or the expiry job moved the draft first: undo this reservation.
                status.setRollbackOnly();
              }
              return outcome;
            });
      } else {
        // Overdue but not yet swept: expire it now, so a late confirm never reserves anything.
        transitions.expireDraft(id, now);
      }
    }
    PaymentTransaction after = find(client, id);
    if (after.getState() == TransactionState.CANCELLED) {
      throw Refusal.conflict(
          "transaction-cancelled",
          "Cancelled",
          "Transaction " + id + " was cancelled: it cannot be confirmed.");
    }
    return new Confirmation(after);
  }

  /**
   * Reserve first, then move the draft: the account row's lock serialises concurrent confirms, and
   * the conditional UPDATE decides which of them owns the transition.
   */
  private Outcome confirmOrRefuse(PaymentTransaction draft, Instant now) {
    UUID id = draft.getId();
    UUID clientId = draft.getClientId();
    if (funds.reserve(
        draft.getAccountId(), clientId, draft.getCurrency(), draft.getAmount(), now)) {
      if (!transitions.confirmDraft(id, clientId, now, now.plus(properties.redriveAfter()))) {
        return Outcome.LOST_RACE;
      }
      TransactionLogContext.describe(outbox.append(EventType.TRANSACTION_REQUESTED, id, now));
      return Outcome.CONFIRMED;
    }
    // The draft's account exists and holds its currency (checked when the draft was created), so
    // 0 rows reserved means the available funds do not cover the amount.
    long available =
        accounts.findByIdAndClientId(draft.getAccountId(), clientId).orElseThrow().getAvailable();
    String detail =
        "Available funds " + available + " do not cover " + draft.getAmount() + " at the confirm.";
    if (!transitions.refuseDraft(id, clientId, FailureCode.INSUFFICIENT_FUNDS, detail, now)) {
      return Outcome.LOST_RACE;
    }
    TransactionLogContext.describe(outbox.append(EventType.TRANSACTION_FAILED, id, now));
    return Outcome.REFUSED;
  }

  private PaymentTransaction find(AuthenticatedClient client, UUID id) {
    return transactions
        .findByIdAndClientId(id, client.id())
        .orElseThrow(() -> Refusal.notFound("transaction-not-found", "No transaction " + id + "."));
  }
}

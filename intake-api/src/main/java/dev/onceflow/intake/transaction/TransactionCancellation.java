package dev.onceflow.intake.transaction;

import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.EventType;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.store.AccountFunds;
import dev.onceflow.store.LockedTransaction;
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
 * {@code POST /transactions/{id}/cancel}: a draft, or a PENDING transaction that no worker ever
 * claimed, becomes CANCELLED, its funds released and a TransactionCancelled event written in the
 * same DB transaction. Idempotent: cancelling a cancelled transaction answers it as it is. Anything
 * that may have reached the bank is refused (409), so a payment whose outcome at the bank is
 * unknown is never cancelled. The row's lock orders a cancel and a worker's claim; the conditional
 * UPDATE decides, and the claim that waited finds the row CANCELLED and skips it.
 */
@Service
public class TransactionCancellation {

  private final TransactionRepository transactions;
  private final TransactionTransitions transitions;
  private final AccountFunds funds;
  private final OutboxWriter outbox;
  private final TransactionTemplate inTransaction;
  private final Clock clock;

  TransactionCancellation(
      TransactionRepository transactions,
      TransactionTransitions transitions,
      AccountFunds funds,
      OutboxWriter outbox,
      PlatformTransactionManager transactionManager,
      Clock clock) {
    this.transactions = transactions;
    this.transitions = transitions;
    this.funds = funds;
    this.outbox = outbox;
    this.inTransaction = new TransactionTemplate(transactionManager);
    this.clock = clock;
  }

  /** The transaction as the cancel left it (CANCELLED), or a refusal saying why it cannot be. */
  public PaymentTransaction cancel(AuthenticatedClient client, UUID id) {
    PaymentTransaction current = find(client, id);
    TransactionLogContext.describe(id, current.getIdempotencyKey(), current.getExternalKey());
    inTransaction.executeWithoutResult(status -> cancelLocked(client, id));
    return find(client, id);
  }

  private void cancelLocked(AuthenticatedClient client, UUID id) {
    LockedTransaction row =
        transitions
            .lock(id)
            .filter(r -> r.clientId().equals(client.id()))
            .orElseThrow(() -> notFound(id));
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    switch (row.state()) {
      case CANCELLED -> {
        // Already cancelled: the same answer, nothing more.
      }
      case DRAFT -> {
        requireChanged(transitions.cancelDraft(id, client.id(), now), row);
        TransactionLogContext.describe(outbox.append(EventType.TRANSACTION_CANCELLED, id, now));
      }
      case PENDING -> {
        if (!transitions.cancelUnsent(id, client.id(), now)) {
          throw beingExecuted(row);
        }
        funds.release(row, now);
        TransactionLogContext.describe(outbox.append(EventType.TRANSACTION_CANCELLED, id, now));
      }
      case PROCESSING, UNKNOWN -> throw beingExecuted(row);
      case COMPLETED, FAILED ->
          throw Refusal.conflict(
              "transaction-final",
              "Already final",
              "Transaction "
                  + id
                  + " is "
                  + row.state()
                  + ": a final transaction cannot be cancelled.");
    }
  }

  /** Under the row's lock a draft cannot move: a miss is a bug, and rolls everything back. */
  private static void requireChanged(boolean changed, LockedTransaction row) {
    if (!changed) {
      throw new IllegalStateException("locked draft " + row.id() + " was not cancelled");
    }
  }

  private static Refusal beingExecuted(LockedTransaction row) {
    return Refusal.conflict(
        "already-being-executed",
        "Already being executed",
        "Transaction "
            + row.id()
            + " has been taken by a worker for the bank ("
            + row.state()
            + "): it can no longer be cancelled. Follow it to its final state.");
  }

  private PaymentTransaction find(AuthenticatedClient client, UUID id) {
    return transactions.findByIdAndClientId(id, client.id()).orElseThrow(() -> notFound(id));
  }

  private static Refusal notFound(UUID id) {
    return Refusal.notFound("transaction-not-found", "No transaction " + id + ".");
  }
}

package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.account.AccountRepository;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.web.ApiException;
import dev.onceflow.model.Account;
import dev.onceflow.model.EventType;
import dev.onceflow.model.FailureCode;
import dev.onceflow.model.IdempotencyKey;
import dev.onceflow.model.PaymentTransaction;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns a request with an Idempotency-Key into exactly one transaction. Everything happens in one
 * DB transaction: claim the key, reserve the funds, insert the transaction, write the outbox event.
 * Any refusal throws, which rolls back the claim too, so a refused request leaves nothing behind.
 */
@Service
public class PaymentIntake {

  /** The answer to a submission: the transaction, and whether it was decided by an earlier request. */
  public record Submission(PaymentTransaction transaction, boolean replayed) {
    /** Refused for insufficient funds at intake: answered 422, like its replays. */
    public boolean refused() {
      return transaction.getFailureCode() == FailureCode.INSUFFICIENT_FUNDS;
    }
  }

  private final IdempotencyKeyRepository keys;
  private final AccountRepository accounts;
  private final TransactionRepository transactions;
  private final Outbox outbox;
  private final IntakeProperties properties;
  private final Clock clock;

  PaymentIntake(
      IdempotencyKeyRepository keys,
      AccountRepository accounts,
      TransactionRepository transactions,
      Outbox outbox,
      IntakeProperties properties,
      Clock clock) {
    this.keys = keys;
    this.accounts = accounts;
    this.transactions = transactions;
    this.outbox = outbox;
    this.properties = properties;
    this.clock = clock;
  }

  @Transactional
  public Submission submit(AuthenticatedClient client, String key, SubmitPayment payment) {
    // PostgreSQL keeps microseconds: the first answer must show what every later read shows.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    String fingerprint = payment.fingerprint();
    UUID transactionId = UUID.randomUUID();
    int claimed =
        keys.claim(
            client.id(), key, fingerprint, transactionId, now, now.plus(properties.idempotencyKeyTtl()));
    if (claimed == 0) {
      return replay(client, key, fingerprint);
    }

    PaymentTransaction transaction =
        new PaymentTransaction(
            transactionId,
            client.id(),
            payment.accountId(),
            payment.amount(),
            payment.currency(),
            payment.creditorName(),
            payment.creditorIban(),
            payment.reference(),
            UUID.randomUUID().toString(),
            now,
            now.plus(properties.redriveAfter()));
    int reserved =
        accounts.reserve(payment.accountId(), client.id(), payment.currency(), payment.amount(), now);
    if (reserved == 0) {
      Account account = accountOrRefuse(client, payment);
      transaction.refuseAtIntake(
          FailureCode.INSUFFICIENT_FUNDS,
          "Available funds " + account.getAvailable() + " do not cover " + payment.amount() + ".");
      transactions.save(transaction);
      outbox.publish(EventType.TRANSACTION_FAILED, transactionId, now);
      return new Submission(transaction, false);
    }
    transactions.save(transaction);
    outbox.publish(EventType.TRANSACTION_REQUESTED, transactionId, now);
    return new Submission(transaction, false);
  }

  private Submission replay(AuthenticatedClient client, String key, String fingerprint) {
    IdempotencyKey existing =
        keys.findById(new IdempotencyKey.Id(client.id(), key))
            .orElseThrow(() -> new IllegalStateException("claimed key vanished: " + key));
    if (!existing.getRequestFingerprint().equals(fingerprint)) {
      throw ApiException.unprocessable(
          "idempotency-key-reused",
          "Idempotency-Key reused",
          "Idempotency-Key '" + key + "' was already used for a different request; nothing was changed.");
    }
    PaymentTransaction transaction =
        transactions
            .findByIdAndClientId(existing.getTransactionId(), client.id())
            .orElseThrow(() -> new IllegalStateException("key without transaction: " + key));
    return new Submission(transaction, true);
  }

  /** Why the reservation matched no row: refuses unknown accounts and currency mismatches. */
  private Account accountOrRefuse(AuthenticatedClient client, SubmitPayment payment) {
    Account account =
        accounts
            .findByIdAndClientId(payment.accountId(), client.id())
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "account-not-found", "No account " + payment.accountId() + "."));
    if (!account.getCurrency().equals(payment.currency())) {
      throw ApiException.unprocessable(
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

package dev.onceflow.intake.transaction;

import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.model.PaymentTransaction;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Reads of a client's own transactions. The long poll lives in {@link TransactionWatcher}. */
@Service
public class TransactionQueries {

  private final TransactionRepository transactions;
  private final IdempotencyKeyRepository keys;
  private final Clock clock;

  TransactionQueries(
      TransactionRepository transactions, IdempotencyKeyRepository keys, Clock clock) {
    this.transactions = transactions;
    this.keys = keys;
    this.clock = clock;
  }

  public Optional<PaymentTransaction> find(AuthenticatedClient client, UUID id) {
    return transactions.findByIdAndClientId(id, client.id());
  }

  /** The transaction the client's key names, unless the key has expired. */
  public Optional<PaymentTransaction> findByKey(AuthenticatedClient client, String key) {
    return keys.findLive(client.id(), key, clock.instant())
        .flatMap(k -> transactions.findByIdAndClientId(k.getTransactionId(), client.id()));
  }
}

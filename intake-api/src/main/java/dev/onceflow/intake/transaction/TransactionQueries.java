package dev.onceflow.intake.transaction;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.model.IdempotencyKey;
import dev.onceflow.model.PaymentTransaction;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Reads of a client's own transactions, including the long poll. */
@Service
public class TransactionQueries {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private final TransactionRepository transactions;
  private final IdempotencyKeyRepository keys;
  private final IntakeProperties properties;
  private final Clock clock;

  TransactionQueries(
      TransactionRepository transactions,
      IdempotencyKeyRepository keys,
      IntakeProperties properties,
      Clock clock) {
    this.transactions = transactions;
    this.keys = keys;
    this.properties = properties;
    this.clock = clock;
  }

  public Optional<PaymentTransaction> find(AuthenticatedClient client, UUID id) {
    return transactions.findByIdAndClientId(id, client.id());
  }

  public Optional<PaymentTransaction> findByKey(AuthenticatedClient client, String key) {
    return keys.findById(new IdempotencyKey.Id(client.id(), key))
        .flatMap(k -> transactions.findByIdAndClientId(k.getTransactionId(), client.id()));
  }

  /**
   * The transaction once its state differs from what it was at the call, or as it is when {@code
   * wait} (capped by configuration) has passed. A final transaction answers at once.
   */
  public Optional<PaymentTransaction> awaitChange(
      AuthenticatedClient client, UUID id, Duration wait) throws InterruptedException {
    Optional<PaymentTransaction> first = find(client, id);
    if (first.isEmpty() || first.get().getState().isFinal()) {
      return first;
    }
    Duration capped = wait.compareTo(properties.maxWait()) > 0 ? properties.maxWait() : wait;
    Instant deadline = clock.instant().plus(capped);
    Optional<PaymentTransaction> current = first;
    while (clock.instant().isBefore(deadline)) {
      Thread.sleep(POLL_INTERVAL.toMillis());
      current = find(client, id);
      if (current.isEmpty() || current.get().getState() != first.get().getState()) {
        return current;
      }
    }
    return current;
  }
}

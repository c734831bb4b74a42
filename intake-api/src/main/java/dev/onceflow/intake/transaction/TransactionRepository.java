package dev.onceflow.intake.transaction;

import dev.onceflow.model.PaymentTransaction;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.repository.Repository;

public interface TransactionRepository extends Repository<PaymentTransaction, UUID> {

  /** Inserts a new transaction (its version is still null, so Spring Data persists it). */
  PaymentTransaction save(PaymentTransaction transaction);

  Optional<PaymentTransaction> findByIdAndClientId(UUID id, UUID clientId);
}

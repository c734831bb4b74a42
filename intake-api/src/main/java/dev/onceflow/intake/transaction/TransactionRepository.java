package dev.onceflow.intake.transaction;

import dev.onceflow.model.PaymentTransaction;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

/**
 * Transactions as intake reads them, through JPA: the entity maps every column the API shows. The
 * writes (inserts and the drafts' transitions) are the transaction store's {@code
 * TransactionTransitions}.
 */
public interface TransactionRepository extends Repository<PaymentTransaction, UUID> {

  Optional<PaymentTransaction> findByIdAndClientId(UUID id, UUID clientId);

  List<PaymentTransaction> findByIdIn(Collection<UUID> ids);

  @Query(
      """
      SELECT new dev.onceflow.intake.transaction.StateOf(t.id, t.state)
      FROM PaymentTransaction t
      WHERE t.id IN :ids
      """)
  List<StateOf> findStates(@Param("ids") Collection<UUID> ids);
}

package dev.onceflow.worker.settlement;

import dev.onceflow.model.Account;
import java.time.Instant;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Moves a transaction's reserved amount out of the account: paid, or released. */
interface AccountRepository extends Repository<Account, UUID> {

  /** The payment completed: the reserved amount leaves the balance. */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE accounts
          SET balance = balance - :amount, reserved = reserved - :amount, version = version + 1, updated_at = :now
          WHERE id = :accountId
          AND reserved >= :amount
          """)
  int settle(UUID accountId, long amount, Instant now);

  /** The payment failed: the reserved amount becomes available again. */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE accounts
          SET reserved = reserved - :amount, version = version + 1, updated_at = :now
          WHERE id = :accountId
          AND reserved >= :amount
          """)
  int release(UUID accountId, long amount, Instant now);
}

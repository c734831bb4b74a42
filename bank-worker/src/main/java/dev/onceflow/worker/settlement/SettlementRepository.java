package dev.onceflow.worker.settlement;

import dev.onceflow.model.PaymentTransaction;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** The worker's transitions of a transaction; each returns the number of rows it changed. */
interface SettlementRepository extends Repository<PaymentTransaction, UUID> {

  Optional<PaymentTransaction> findById(UUID id);

  /** When the current round of attempts started; null before the first claim. */
  @Query(
      nativeQuery = true,
      value =
          """
          SELECT first_attempt_at
          FROM transactions
          WHERE id = :id
          """)
  Optional<Instant> findFirstAttemptAt(UUID id);

  /**
   * PENDING -> PROCESSING, if the row is due. The first claim of a round (attempts 0: new, or
   * reopened by an ops retry) starts the transaction's deadline.
   */
  @Modifying(clearAutomatically = true)
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET state = 'PROCESSING', attempts = attempts + 1, lease_until = :leaseUntil, version = version + 1, updated_at = :now,
              first_attempt_at = CASE WHEN attempts = 0 OR first_attempt_at IS NULL THEN :now ELSE first_attempt_at END
          WHERE id = :id
          AND state = 'PENDING'
          AND next_attempt_at <= :now
          """)
  int claim(UUID id, Instant now, Instant leaseUntil);

  /** PROCESSING -> COMPLETED, only for the claim that holds {@code version}. */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET state = 'COMPLETED', bank_reference = :bankReference, lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
          AND state = 'PROCESSING'
          AND version = :version
          """)
  int complete(UUID id, long version, String bankReference, Instant now);

  /** PROCESSING -> FAILED, only for the claim that holds {@code version}. */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET state = 'FAILED', failure_code = :failureCode, failure_detail = :failureDetail, lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
          AND state = 'PROCESSING'
          AND version = :version
          """)
  int fail(UUID id, long version, String failureCode, String failureDetail, Instant now);

  /**
   * PROCESSING -> PENDING until {@code nextAttemptAt}; the lease ends then too, so the sweeper
   * re-enqueues the row when it is due.
   */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET state = 'PENDING', next_attempt_at = :nextAttemptAt, lease_until = :nextAttemptAt, version = version + 1, updated_at = :now
          WHERE id = :id
          AND state = 'PROCESSING'
          AND version = :version
          """)
  int retryLater(UUID id, long version, Instant nextAttemptAt, Instant now);
}

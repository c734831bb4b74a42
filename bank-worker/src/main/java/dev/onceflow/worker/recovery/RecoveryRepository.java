package dev.onceflow.worker.recovery;

import dev.onceflow.model.PaymentTransaction;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** The sweeper's view of the transactions table. */
interface RecoveryRepository extends Repository<PaymentTransaction, UUID> {

  /** A row whose lease ran out. */
  interface StaleTransaction {
    UUID getId();

    String getState();
  }

  /**
   * Locks up to {@code limit} unfinished rows whose lease ran out, oldest first. SKIP LOCKED lets
   * several sweepers (and the workers' own updates) run side by side without waiting on each other.
   */
  @Query(
      nativeQuery = true,
      value =
          """
          SELECT id, state
          FROM transactions
          WHERE state IN ('PENDING', 'PROCESSING', 'UNKNOWN')
          AND lease_until <= :now
          ORDER BY lease_until
          LIMIT :limit
          FOR UPDATE SKIP LOCKED
          """)
  List<StaleTransaction> lockStale(Instant now, int limit);

  /**
   * A PENDING row whose event is no longer trusted to arrive, or an UNKNOWN one whose next lookup is
   * due: trust the next event until {@code redriveAt}.
   */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
          AND state IN ('PENDING', 'UNKNOWN')
          AND lease_until <= :now
          """)
  int redrivePending(UUID id, Instant now, Instant redriveAt);

  /** A PROCESSING row whose worker vanished (lease expired): PROCESSING -> PENDING, due now. */
  @Modifying
  @Query(
      nativeQuery = true,
      value =
          """
          UPDATE transactions
          SET state = 'PENDING', next_attempt_at = :now, lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
          AND state = 'PROCESSING'
          AND lease_until <= :now
          """)
  int releaseExpiredClaim(UUID id, Instant now, Instant redriveAt);
}

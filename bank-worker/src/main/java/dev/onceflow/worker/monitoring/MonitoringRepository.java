package dev.onceflow.worker.monitoring;

import dev.onceflow.model.PaymentTransaction;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Counts for the gauges; read-only. */
interface MonitoringRepository extends Repository<PaymentTransaction, UUID> {

  interface StateCount {
    String getState();

    long getCount();
  }

  @Query(
      nativeQuery = true,
      value =
          """
          SELECT state, count(*) AS count
          FROM transactions
          GROUP BY state
          """)
  List<StateCount> countByState();

  /** PROCESSING rows whose claim ran out: their worker died or hung, and no sweep has released them. */
  @Query(
      nativeQuery = true,
      value =
          """
          SELECT count(*)
          FROM transactions
          WHERE state = 'PROCESSING'
          AND lease_until < :now
          """)
  long countExpiredLeases(Instant now);

  /** PENDING rows that have been due since before {@code dueBefore} and are still not claimed. */
  @Query(
      nativeQuery = true,
      value =
          """
          SELECT count(*)
          FROM transactions
          WHERE state = 'PENDING'
          AND next_attempt_at < :dueBefore
          """)
  long countOverdue(Instant dueBefore);

  /** When the oldest UNKNOWN transaction became UNKNOWN; null when there is none. */
  @Query(
      nativeQuery = true,
      value =
          """
          SELECT min(unknown_since)
          FROM transactions
          WHERE state = 'UNKNOWN'
          """)
  Instant oldestUnknownSince();
}

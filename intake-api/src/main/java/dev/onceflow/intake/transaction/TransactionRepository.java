package dev.onceflow.intake.transaction;

import dev.onceflow.model.PaymentTransaction;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/**
 * Transactions as intake sees them. Intake inserts rows and moves drafts on (DRAFT -> PENDING,
 * DRAFT -> FAILED); every later transition belongs to the workers. Each transition is one
 * conditional UPDATE guarded by the source state: 0 rows = another request (or the expiry job) got
 * there first.
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

  /**
   * DRAFT -> PENDING, if the draft is still open. The caller has reserved the funds in the same DB
   * transaction and rolls them back on 0 rows.
   */
  @Modifying
  @Query(
      value =
          """
          UPDATE transactions
          SET state = 'PENDING',
              next_attempt_at = :now,
              lease_until = :redriveAt,
              version = version + 1,
              updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = 'DRAFT'
            AND lease_until > :now
          """,
      nativeQuery = true)
  int confirmDraft(
      @Param("id") UUID id,
      @Param("clientId") UUID clientId,
      @Param("now") Instant now,
      @Param("redriveAt") Instant redriveAt);

  /** DRAFT -> FAILED at the confirm (nothing was reserved), if the draft is still open. */
  @Modifying
  @Query(
      value =
          """
          UPDATE transactions
          SET state = 'FAILED',
              failure_code = :failureCode,
              failure_detail = :failureDetail,
              lease_until = :now,
              version = version + 1,
              updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = 'DRAFT'
            AND lease_until > :now
          """,
      nativeQuery = true)
  int refuseDraft(
      @Param("id") UUID id,
      @Param("clientId") UUID clientId,
      @Param("failureCode") String failureCode,
      @Param("failureDetail") String failureDetail,
      @Param("now") Instant now);

  /**
   * DRAFT -> FAILED (DRAFT_EXPIRED) for up to {@code batchSize} overdue drafts, oldest first, in
   * one DB transaction. SKIP LOCKED lets several intake instances run the job, and skips a draft a
   * confirm holds; the state is re-checked on the locked row.
   */
  @Transactional
  @Modifying
  @Query(
      value =
          """
          UPDATE transactions
          SET state = 'FAILED',
              failure_code = 'DRAFT_EXPIRED',
              failure_detail = 'The draft was not confirmed in time; nothing was reserved or paid.',
              lease_until = :now,
              version = version + 1,
              updated_at = :now
          WHERE id IN (
              SELECT id
              FROM transactions
              WHERE state = 'DRAFT'
                AND lease_until <= :now
              ORDER BY lease_until
              LIMIT :batchSize
              FOR UPDATE SKIP LOCKED
          )
            AND state = 'DRAFT'
          """,
      nativeQuery = true)
  int expireDrafts(@Param("now") Instant now, @Param("batchSize") int batchSize);

  /** DRAFT -> FAILED (DRAFT_EXPIRED) for one overdue draft, when a confirm finds it first. */
  @Transactional
  @Modifying
  @Query(
      value =
          """
          UPDATE transactions
          SET state = 'FAILED',
              failure_code = 'DRAFT_EXPIRED',
              failure_detail = 'The draft was not confirmed in time; nothing was reserved or paid.',
              lease_until = :now,
              version = version + 1,
              updated_at = :now
          WHERE id = :id
            AND state = 'DRAFT'
            AND lease_until <= :now
          """,
      nativeQuery = true)
  int expireDraft(@Param("id") UUID id, @Param("now") Instant now);
}

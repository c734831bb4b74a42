package dev.onceflow.store;

import static dev.onceflow.store.StateSql.instant;
import static dev.onceflow.store.StateSql.utc;

import dev.onceflow.model.FailureCode;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.model.TransactionState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every write to the {@code transactions} table, and the locking reads that decide one: each
 * transition of {@link TransactionState} is one statement here, named after it, guarded by the
 * state it leaves (and, for a holder of the row, its version). A transition by id answers whether
 * it changed the row: false means another request, worker or sweep got there first; more than one
 * row is a bug and throws, which rolls the caller's DB transaction back.
 *
 * <p>Plain SQL through JdbcClient rather than Spring Data: these run for every payment, and
 * repository proxies and Hibernate's query handling around them cost more CPU than the statements.
 * Each runs in the caller's DB transaction, if there is one.
 */
public final class TransactionTransitions {

  /** The longest failure detail the column holds; longer ones are cut. */
  private static final int FAILURE_DETAIL_LENGTH = 500;

  public static final String INSERT =
      """
      INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name,
                                creditor_iban, reference, external_key, idempotency_key, trace_id,
                                attempts, next_attempt_at, lease_until, failure_code, failure_detail,
                                version, created_at, updated_at)
      VALUES (:id, :clientId, :accountId, :state, :amount, :currency, :creditorName,
              :creditorIban, :reference, :externalKey, :idempotencyKey, :traceId,
              :attempts, :nextAttemptAt, :leaseUntil, :failureCode, :failureDetail,
              0, :createdAt, :updatedAt)
      """;

  static final String CONFIRM_DRAFT =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {PENDING}, next_attempt_at = :now, lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = {DRAFT}
            AND lease_until > :now
          """);

  static final String REFUSE_DRAFT =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {FAILED}, failure_code = :failureCode, failure_detail = :failureDetail,
              lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = {DRAFT}
            AND lease_until > :now
          """);

  private static final String DRAFT_EXPIRED_DETAIL =
      "The draft was not confirmed in time; nothing was reserved or paid.";

  static final String EXPIRE_DRAFTS =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {FAILED}, failure_code = :failureCode, failure_detail = :failureDetail,
              lease_until = :now, version = version + 1, updated_at = :now
          WHERE id IN (
              SELECT id
              FROM transactions
              WHERE state = {DRAFT}
                AND lease_until <= :now
              ORDER BY lease_until
              LIMIT :batchSize
              FOR UPDATE SKIP LOCKED
          )
            AND state = {DRAFT}
          """);

  static final String EXPIRE_DRAFT =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {FAILED}, failure_code = :failureCode, failure_detail = :failureDetail,
              lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {DRAFT}
            AND lease_until <= :now
          """);

  static final String CANCEL_DRAFT =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {CANCELLED}, lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = {DRAFT}
          """);

  /**
   * Only a row no worker ever claimed: a claim counts an attempt and stamps first_attempt_at in the
   * statement that takes the row, and an ops retry (attempts back to 0) keeps the stamp.
   */
  static final String CANCEL_UNSENT =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {CANCELLED}, lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
            AND client_id = :clientId
            AND state = {PENDING}
            AND attempts = 0
            AND first_attempt_at IS NULL
          """);

  /**
   * The claim journals the bank call it allows in the same statement, so that the call is on record
   * before it can be sent, at no extra commit.
   */
  public static final String CLAIM =
      StateSql.of(
          """
          WITH claimed AS (
              UPDATE transactions
              SET state = CASE WHEN state = {PENDING} THEN {PROCESSING} ELSE state END,
                  attempts = CASE WHEN state = {PENDING} THEN attempts + 1 ELSE attempts END,
                  lookups = CASE WHEN state = {UNKNOWN} THEN lookups + 1 ELSE lookups END,
                  first_attempt_at = CASE WHEN state = {PENDING} AND (attempts = 0 OR first_attempt_at IS NULL) THEN :now ELSE first_attempt_at END,
                  next_attempt_at = CASE WHEN state = {UNKNOWN} THEN :leaseUntil ELSE next_attempt_at END,
                  lease_until = :leaseUntil, version = version + 1, updated_at = :now
              WHERE id = :id
                AND state IN ({PENDING}, {UNKNOWN})
                AND next_attempt_at <= :now
              RETURNING id, state, version, attempts, account_id, amount, currency, creditor_name, creditor_iban, reference,
                        external_key, idempotency_key, first_attempt_at, lookups, absence_trusted_from, bank_reference
          ), journaled AS (
              INSERT INTO bank_calls (transaction_id, kind, attempt, external_key, instance, started_at)
              SELECT id, CASE WHEN state = {PROCESSING} THEN 'PAYMENT' ELSE 'LOOKUP' END,
                     CASE WHEN state = {PROCESSING} THEN attempts ELSE lookups END, external_key,
                     onceflow_instance(), :now
              FROM claimed
              RETURNING id AS call_id, transaction_id
          )
          SELECT claimed.*, journaled.call_id
          FROM claimed JOIN journaled ON journaled.transaction_id = claimed.id
          """);

  public static final String COMPLETE =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {COMPLETED}, bank_reference = :bankReference, lease_until = :now, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = :from
            AND version = :version
          """);

  static final String FAIL =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {FAILED}, failure_code = :failureCode, failure_detail = :failureDetail, lease_until = :now,
              version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = :from
            AND version = :version
          """);

  static final String RETRY_LATER =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {PENDING}, next_attempt_at = :nextAttemptAt, lease_until = :nextAttemptAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {PROCESSING}
            AND version = :version
          """);

  static final String BECOME_UNKNOWN =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {UNKNOWN}, unknown_since = :now, absence_trusted_from = :absenceTrustedFrom,
              bank_reference = COALESCE(:bankReference, bank_reference),
              next_attempt_at = :nextLookupAt, lease_until = :nextLookupAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {PROCESSING}
            AND version = :version
          """);

  static final String LOOK_UP_LATER =
      StateSql.of(
          """
          UPDATE transactions
          SET bank_reference = COALESCE(:bankReference, bank_reference),
              absence_trusted_from = CASE WHEN :bankReference::varchar IS NULL THEN absence_trusted_from END,
              next_attempt_at = :nextLookupAt, lease_until = :nextLookupAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {UNKNOWN}
            AND version = :version
          """);

  static final String LOCK_STALE =
      StateSql.of(
          """
          SELECT id, state
          FROM transactions
          WHERE state IN ({PENDING}, {PROCESSING}, {UNKNOWN})
            AND lease_until <= :now
          ORDER BY lease_until
          LIMIT :limit
          FOR UPDATE SKIP LOCKED
          """);

  static final String EXTEND_STALE_LEASE =
      StateSql.of(
          """
          UPDATE transactions
          SET lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state IN ({PENDING}, {UNKNOWN})
            AND lease_until <= :now
          """);

  static final String RELEASE_EXPIRED_CLAIM =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {PENDING}, next_attempt_at = :now, lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {PROCESSING}
            AND lease_until <= :now
          """);

  static final String EXTEND_PENDING_LEASES_CREATED_BEFORE =
      StateSql.of(
          """
          UPDATE transactions
          SET lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE state = {PENDING}
            AND created_at < :createdBefore
          RETURNING id
          """);

  static final String REDRIVE_PENDING =
      StateSql.of(
          """
          UPDATE transactions
          SET lease_until = :redriveAt, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {PENDING}
            AND version = :version
          """);

  static final String LOCK =
      """
      SELECT id, state, failure_code, version, client_id, account_id, currency, amount
      FROM transactions
      WHERE id = :id
      FOR UPDATE
      """;

  static final String REOPEN_FAILED =
      StateSql.of(
          """
          UPDATE transactions
          SET state = {PENDING}, attempts = 0, next_attempt_at = :now, lease_until = :redriveAt,
              failure_code = NULL, failure_detail = NULL, version = version + 1, updated_at = :now
          WHERE id = :id
            AND state = {FAILED}
            AND failure_code = :failureCode
            AND version = :version
          """);

  private final JdbcClient jdbc;

  public TransactionTransitions(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  // Intake

  /** A new row as intake built it in memory (DRAFT, PENDING, or FAILED when refused at intake). */
  public void insert(PaymentTransaction transaction) {
    int rows =
        jdbc.sql(INSERT)
            .param("id", transaction.getId())
            .param("clientId", transaction.getClientId())
            .param("accountId", transaction.getAccountId())
            .param("state", transaction.getState().name())
            .param("amount", transaction.getAmount())
            .param("currency", transaction.getCurrency())
            .param("creditorName", transaction.getCreditorName())
            .param("creditorIban", transaction.getCreditorIban())
            .param("reference", transaction.getReference())
            .param("externalKey", transaction.getExternalKey())
            .param("idempotencyKey", transaction.getIdempotencyKey())
            .param("traceId", transaction.getTraceId())
            .param("attempts", transaction.getAttempts())
            .param("nextAttemptAt", utc(transaction.getNextAttemptAt()))
            .param("leaseUntil", utc(transaction.getLeaseUntil()))
            .param(
                "failureCode",
                transaction.getFailureCode() == null ? null : transaction.getFailureCode().name())
            .param("failureDetail", transaction.getFailureDetail())
            .param("createdAt", utc(transaction.getCreatedAt()))
            .param("updatedAt", utc(transaction.getUpdatedAt()))
            .update();
    if (rows != 1) {
      throw new IllegalStateException(
          "inserting transaction " + transaction.getId() + " wrote " + rows + " rows");
    }
  }

  /**
   * DRAFT -> PENDING, if the client's draft is still open. The caller has reserved the funds in the
   * same DB transaction and rolls them back on false.
   */
  public boolean confirmDraft(UUID id, UUID clientId, Instant now, Instant redriveAt) {
    return changedOne(
        byId(CONFIRM_DRAFT, id, now)
            .param("clientId", clientId)
            .param("redriveAt", utc(redriveAt)));
  }

  /** DRAFT -> FAILED at the confirm (nothing was reserved), if the client's draft is still open. */
  public boolean refuseDraft(UUID id, UUID clientId, FailureCode code, String detail, Instant now) {
    return changedOne(
        byId(REFUSE_DRAFT, id, now)
            .param("clientId", clientId)
            .param("failureCode", code.name())
            .param("failureDetail", bounded(detail)));
  }

  /**
   * DRAFT -> FAILED (DRAFT_EXPIRED) for up to {@code batchSize} overdue drafts, oldest first, in
   * one statement. SKIP LOCKED lets several intake instances run the job, and skips a draft a
   * confirm holds; the state is re-checked on the locked row. Returns how many expired.
   */
  public int expireDrafts(Instant now, int batchSize) {
    return jdbc.sql(EXPIRE_DRAFTS)
        .param("failureCode", FailureCode.DRAFT_EXPIRED.name())
        .param("failureDetail", DRAFT_EXPIRED_DETAIL)
        .param("now", utc(now))
        .param("batchSize", batchSize)
        .update();
  }

  /** DRAFT -> FAILED (DRAFT_EXPIRED) for one overdue draft, when a confirm finds it first. */
  public boolean expireDraft(UUID id, Instant now) {
    return changedOne(
        byId(EXPIRE_DRAFT, id, now)
            .param("failureCode", FailureCode.DRAFT_EXPIRED.name())
            .param("failureDetail", DRAFT_EXPIRED_DETAIL));
  }

  /** DRAFT -> CANCELLED, the client's own draft (nothing was reserved). */
  public boolean cancelDraft(UUID id, UUID clientId, Instant now) {
    return changedOne(byId(CANCEL_DRAFT, id, now).param("clientId", clientId));
  }

  /**
   * PENDING -> CANCELLED, if no worker ever claimed the row, so nothing was ever sent to the bank;
   * false when a claim got there first. The caller releases the funds in the same DB transaction. A
   * claim racing this waits for the row's lock and then finds it CANCELLED: no call follows.
   */
  public boolean cancelUnsent(UUID id, UUID clientId, Instant now) {
    return changedOne(byId(CANCEL_UNSENT, id, now).param("clientId", clientId));
  }

  // Workers

  /**
   * Takes the row under a lease if it is due: PENDING -> PROCESSING (a bank call follows; the first
   * claim of a round, attempts 0, starts the transaction's deadline), or an UNKNOWN row stays
   * UNKNOWN with its lookup counted (a lookup follows; its next one is not due before the lease
   * ends, so a duplicate record cannot take the row from the lookup in progress). The row as the
   * claim left it; empty if another worker has it, or it is final or not due.
   */
  public Optional<ClaimedTransaction> claim(UUID id, Instant now, Instant leaseUntil) {
    return jdbc.sql(CLAIM)
        .param("id", id)
        .param("now", utc(now))
        .param("leaseUntil", utc(leaseUntil))
        .query((rows, n) -> claimed(rows, now))
        .optional();
  }

  /** The held state (PROCESSING or UNKNOWN) -> COMPLETED, only at the holder's version. */
  public boolean complete(HeldTransaction held, String bankReference, Instant now) {
    return changedOne(
        byHolder(COMPLETE, held, now)
            .param("from", leaving(held, TransactionState.COMPLETED))
            .param("bankReference", bankReference));
  }

  /** The held state (PROCESSING or UNKNOWN) -> FAILED, only at the holder's version. */
  public boolean fail(HeldTransaction held, FailureCode code, String detail, Instant now) {
    return changedOne(
        byHolder(FAIL, held, now)
            .param("from", leaving(held, TransactionState.FAILED))
            .param("failureCode", code.name())
            .param("failureDetail", bounded(detail)));
  }

  /**
   * PROCESSING -> PENDING until {@code nextAttemptAt}; the lease ends then too, so the sweeper
   * re-enqueues the row when it is due.
   */
  public boolean retryLater(HeldTransaction held, Instant nextAttemptAt, Instant now) {
    return changedOne(byHolder(RETRY_LATER, held, now).param("nextAttemptAt", utc(nextAttemptAt)));
  }

  /**
   * PROCESSING -> UNKNOWN: no more payment calls; the first lookup at {@code nextLookupAt}.
   *
   * @param absenceTrustedFrom from when "no payment for this key" is believed; null if the bank
   *     acknowledged the payment
   * @param bankReference the payment id the bank named, or null
   */
  public boolean becomeUnknown(
      HeldTransaction held,
      Instant absenceTrustedFrom,
      String bankReference,
      Instant nextLookupAt,
      Instant now) {
    return changedOne(
        byHolder(BECOME_UNKNOWN, held, now)
            .param("absenceTrustedFrom", utc(absenceTrustedFrom))
            .param("bankReference", bankReference)
            .param("nextLookupAt", utc(nextLookupAt)));
  }

  /**
   * UNKNOWN stays UNKNOWN, its next lookup at {@code nextLookupAt}; a {@code bankReference} (the
   * bank acknowledged the payment) means its absence is never believed again.
   */
  public boolean lookUpLater(
      HeldTransaction held, String bankReference, Instant nextLookupAt, Instant now) {
    return changedOne(
        byHolder(LOOK_UP_LATER, held, now)
            .param("bankReference", bankReference)
            .param("nextLookupAt", utc(nextLookupAt)));
  }

  // The recovery sweeper

  /** A row whose lease ran out, locked by the sweep. */
  public record StaleTransaction(UUID id, TransactionState state) {}

  /**
   * Locks up to {@code limit} unfinished rows whose lease ran out, oldest first. SKIP LOCKED lets
   * several sweepers (and the workers' own updates) run side by side without waiting on each other.
   */
  public List<StaleTransaction> lockStale(Instant now, int limit) {
    return jdbc.sql(LOCK_STALE)
        .param("now", utc(now))
        .param("limit", limit)
        .query(
            (rows, n) ->
                new StaleTransaction(
                    rows.getObject("id", UUID.class),
                    TransactionState.valueOf(rows.getString("state"))))
        .list();
  }

  /**
   * A PENDING row whose event is no longer trusted to arrive, or an UNKNOWN one whose next lookup
   * is due, stays as it is: its next event is trusted until {@code redriveAt}.
   */
  public boolean extendStaleLease(UUID id, Instant now, Instant redriveAt) {
    return changedOne(byId(EXTEND_STALE_LEASE, id, now).param("redriveAt", utc(redriveAt)));
  }

  /** A PROCESSING row whose worker vanished (lease expired): PROCESSING -> PENDING, due now. */
  public boolean releaseExpiredClaim(UUID id, Instant now, Instant redriveAt) {
    return changedOne(byId(RELEASE_EXPIRED_CLAIM, id, now).param("redriveAt", utc(redriveAt)));
  }

  // Operators

  /**
   * Every PENDING row created before {@code createdBefore}, which stays PENDING with its next event
   * trusted until {@code redriveAt}; their ids.
   */
  public List<UUID> extendPendingLeasesCreatedBefore(
      Instant createdBefore, Instant now, Instant redriveAt) {
    return jdbc.sql(EXTEND_PENDING_LEASES_CREATED_BEFORE)
        .param("createdBefore", utc(createdBefore))
        .param("now", utc(now))
        .param("redriveAt", utc(redriveAt))
        .query((rows, n) -> rows.getObject("id", UUID.class))
        .list();
  }

  /**
   * One PENDING row an operator re-drives: it stays PENDING, its next event (which the caller
   * writes) trusted until {@code redriveAt}.
   */
  public boolean redrivePending(LockedTransaction held, Instant now, Instant redriveAt) {
    return changedOne(byHolder(REDRIVE_PENDING, held, now).param("redriveAt", utc(redriveAt)));
  }

  /** The row, locked until the caller's DB transaction ends; empty if there is none. */
  public Optional<LockedTransaction> lock(UUID id) {
    return jdbc.sql(LOCK)
        .param("id", id)
        .query(
            (rows, n) -> {
              String failure = rows.getString("failure_code");
              return new LockedTransaction(
                  rows.getObject("id", UUID.class),
                  TransactionState.valueOf(rows.getString("state")),
                  failure == null ? null : FailureCode.valueOf(failure),
                  rows.getLong("version"),
                  rows.getObject("client_id", UUID.class),
                  rows.getObject("account_id", UUID.class),
                  rows.getString("currency"),
                  rows.getLong("amount"));
            })
        .optional();
  }

  /**
   * FAILED (with {@code code}) -> PENDING, a new round of attempts with the same bank key, due now.
   * The caller reserves the funds again in the same DB transaction.
   */
  public boolean reopenFailed(
      LockedTransaction held, FailureCode code, Instant now, Instant redriveAt) {
    return changedOne(
        byHolder(REOPEN_FAILED, held, now)
            .param("failureCode", code.name())
            .param("redriveAt", utc(redriveAt)));
  }

  /** A statement on one row, by its id, at {@code now}. */
  private JdbcClient.StatementSpec byId(String sql, UUID id, Instant now) {
    return jdbc.sql(sql).param("id", id).param("now", utc(now));
  }

  /** A statement on a held row: its id, and the version its holder read. */
  private JdbcClient.StatementSpec byHolder(String sql, HeldTransaction held, Instant now) {
    return byId(sql, held.id(), now).param("version", held.version());
  }

  /** 1 = done, 0 = someone else won; more is a bug, and throwing rolls everything back. */
  private static boolean changedOne(JdbcClient.StatementSpec statement) {
    int rows = statement.update();
    if (rows > 1) {
      throw new IllegalStateException(rows + " rows changed by one transition of one transaction");
    }
    return rows == 1;
  }

  /** The state a holder's outcome leaves, which must be one allowed to become {@code target}. */
  private static String leaving(HeldTransaction held, TransactionState target) {
    if (held.state() != TransactionState.PROCESSING && held.state() != TransactionState.UNKNOWN
        || !held.state().canBecome(target)) {
      throw new IllegalArgumentException(
          "an outcome is recorded only for a PROCESSING or UNKNOWN row, not " + held.state());
    }
    return held.state().name();
  }

  private static String bounded(String detail) {
    return detail != null && detail.length() > FAILURE_DETAIL_LENGTH
        ? detail.substring(0, FAILURE_DETAIL_LENGTH)
        : detail;
  }

  private static ClaimedTransaction claimed(ResultSet rows, Instant claimedAt) throws SQLException {
    return new ClaimedTransaction(
        rows.getObject("id", UUID.class),
        TransactionState.valueOf(rows.getString("state")),
        claimedAt,
        rows.getLong("version"),
        rows.getInt("attempts"),
        rows.getObject("account_id", UUID.class),
        rows.getLong("amount"),
        rows.getString("currency"),
        rows.getString("creditor_name"),
        rows.getString("creditor_iban"),
        rows.getString("reference"),
        rows.getString("external_key"),
        rows.getString("idempotency_key"),
        instant(rows, "first_attempt_at"),
        rows.getInt("lookups"),
        instant(rows, "absence_trusted_from"),
        rows.getString("bank_reference"),
        rows.getLong("call_id"));
  }
}

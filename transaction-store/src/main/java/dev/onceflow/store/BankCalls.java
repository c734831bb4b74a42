package dev.onceflow.store;

import static dev.onceflow.store.StateSql.utc;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bank call journal ({@code bank_calls}): every call is on record before it is sent (a claim
 * journals the one it allows, see {@link TransactionTransitions#CLAIM}; a second call under the
 * same claim is journaled here) and is ended with what it got, in the DB transaction that records
 * the outcome. A call never ended was sent, or may have been, and its answer never recorded.
 */
public final class BankCalls {

  /** How a journaled call ended. */
  public record End(
      long callId,
      String outcome,
      Integer httpStatus,
      Duration latency,
      String bankReference,
      String error,
      Instant endedAt) {

    /** The claim's checks stopped the call before it was sent. */
    public static End notSent(long callId, String why, Instant now) {
      return new End(callId, NOT_SENT, null, Duration.ZERO, null, why, now);
    }
  }

  /** The outcome of a journaled call that was never sent. */
  public static final String NOT_SENT = "not-sent";

  private static final int ERROR_LENGTH = 500;

  static final String START_LOOKUP =
      """
      INSERT INTO bank_calls (transaction_id, kind, attempt, external_key, instance, started_at)
      VALUES (:transactionId, 'LOOKUP', :attempt, :externalKey, onceflow_instance(), :now)
      RETURNING id
      """;

  static final String END =
      """
      UPDATE bank_calls
      SET ended_at = :endedAt, outcome = :outcome, http_status = :httpStatus, latency_ms = :latencyMs,
          bank_reference = :bankReference, error = :error
      WHERE id = :id
        AND ended_at IS NULL
      """;

  private final JdbcClient jdbc;

  public BankCalls(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Journals a lookup about to be sent for {@code transactionId}; its id. */
  public long startLookup(UUID transactionId, int attempt, String externalKey, Instant now) {
    return jdbc.sql(START_LOOKUP)
        .param("transactionId", transactionId)
        .param("attempt", attempt)
        .param("externalKey", externalKey)
        .param("now", utc(now))
        .query(Long.class)
        .single();
  }

  /** Records how the call ended; a call already ended is left as it was. */
  public void end(End end) {
    jdbc.sql(END)
        .param("id", end.callId())
        .param("endedAt", utc(end.endedAt()))
        .param("outcome", end.outcome())
        .param("httpStatus", end.httpStatus())
        .param("latencyMs", (int) Math.min(Integer.MAX_VALUE, end.latency().toMillis()))
        .param("bankReference", end.bankReference())
        .param(
            "error",
            end.error() != null && end.error().length() > ERROR_LENGTH
                ? end.error().substring(0, ERROR_LENGTH)
                : end.error())
        .update();
  }
}

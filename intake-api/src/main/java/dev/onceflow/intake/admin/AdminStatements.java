package dev.onceflow.intake.admin;

import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Every statement on {@code admin_idempotency_keys} and {@code admin_audit}. */
@Repository
class AdminStatements {

  /** The answer kept under an admin Idempotency-Key. */
  record StoredAnswer(String fingerprint, int status, String location, String body) {}

  /** One row of the admin audit. */
  record AuditRow(
      UUID id,
      Instant at,
      String actor,
      String remoteAddress,
      String method,
      String path,
      String idempotencyKey,
      int status,
      String outcome) {}

  private final JdbcClient jdbc;
  private final Keyset keyset;

  AdminStatements(JdbcClient jdbc) {
    this.jdbc = jdbc;
    this.keyset = new Keyset(jdbc);
  }

  /**
   * Claims the key for this request: 1 row means it owns the key, 0 that a live claim exists. As
   * with payments' keys, a concurrent uncommitted claim makes this one wait for its outcome, and an
   * expired row is taken over in the same statement.
   */
  int claim(String key, String fingerprint, Instant now, Instant expiresAt) {
    return jdbc.sql(
            """
            INSERT INTO admin_idempotency_keys (idempotency_key, request_fingerprint, response_status,
                                                response_body, created_at, expires_at)
            VALUES (:key, :fingerprint, 0, '', :now, :expiresAt)
            ON CONFLICT (idempotency_key) DO UPDATE
            SET request_fingerprint = EXCLUDED.request_fingerprint,
                response_status = 0,
                response_location = NULL,
                response_body = '',
                created_at = EXCLUDED.created_at,
                expires_at = EXCLUDED.expires_at
            WHERE admin_idempotency_keys.expires_at <= EXCLUDED.created_at
            """)
        .param("key", key)
        .param("fingerprint", fingerprint)
        .param("now", utc(now))
        .param("expiresAt", utc(expiresAt))
        .update();
  }

  void keepAnswer(String key, int status, String location, String body) {
    jdbc.sql(
            """
            UPDATE admin_idempotency_keys
            SET response_status = :status, response_location = :location, response_body = :body
            WHERE idempotency_key = :key
            """)
        .param("key", key)
        .param("status", status)
        .param("location", location)
        .param("body", body)
        .update();
  }

  Optional<StoredAnswer> findLive(String key, Instant now) {
    return jdbc.sql(
            """
            SELECT request_fingerprint, response_status, response_location, response_body
            FROM admin_idempotency_keys WHERE idempotency_key = :key AND expires_at > :now
            """)
        .param("key", key)
        .param("now", utc(now))
        .query(
            (rs, row) ->
                new StoredAnswer(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)))
        .optional();
  }

  /** Deletes up to {@code batchSize} expired keys; as the payments' purge, re-checked per row. */
  int purgeExpired(Instant now, int batchSize) {
    return jdbc.sql(
            """
            DELETE FROM admin_idempotency_keys
            WHERE ctid IN (SELECT ctid FROM admin_idempotency_keys WHERE expires_at <= :now LIMIT :batchSize)
              AND expires_at <= :now
            """)
        .param("now", utc(now))
        .param("batchSize", batchSize)
        .update();
  }

  void audit(AuditRow row) {
    jdbc.sql(
            """
            INSERT INTO admin_audit (id, at, actor, remote_address, method, path, idempotency_key,
                                     status, outcome)
            VALUES (:id, :at, :actor, :remote, :method, :path, :key, :status, :outcome)
            """)
        .param("id", row.id())
        .param("at", utc(row.at()))
        .param("actor", row.actor())
        .param("remote", row.remoteAddress())
        .param("method", row.method())
        .param("path", row.path())
        .param("key", row.idempotencyKey())
        .param("status", row.status())
        .param("outcome", row.outcome())
        .update();
  }

  /** One page of the audit, newest first. */
  Page<AuditRow> audit(PageRequest request) {
    return keyset.rows(
        "FROM admin_audit WHERE true",
        Map.of(),
        "at",
        Keyset.Order.NEWEST_FIRST,
        request,
        ids ->
            jdbc.sql(
                    """
                    SELECT id, at, actor, remote_address, method, path, idempotency_key, status, outcome
                    FROM admin_audit WHERE id IN (:ids)
                    """)
                .param("ids", ids)
                .query(AdminStatements::auditRow)
                .list(),
        AuditRow::id);
  }

  private static AuditRow auditRow(ResultSet rs, int row) throws SQLException {
    return new AuditRow(
        rs.getObject("id", UUID.class),
        rs.getObject("at", OffsetDateTime.class).toInstant(),
        rs.getString("actor"),
        rs.getString("remote_address"),
        rs.getString("method"),
        rs.getString("path"),
        rs.getString("idempotency_key"),
        rs.getInt("status"),
        rs.getString("outcome"));
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}

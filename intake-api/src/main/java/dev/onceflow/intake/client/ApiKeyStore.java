package dev.onceflow.intake.client;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Every statement on {@code api_keys}. A key authenticates while it is neither revoked nor past its
 * {@code expires_at} (set on the old keys when a new one is issued with an overlap).
 */
@Repository
public class ApiKeyStore {

  /** A key as an operator sees it: never the key, only its last four characters. */
  public record StoredKey(
      UUID id,
      UUID clientId,
      String hint,
      Instant createdAt,
      Instant expiresAt,
      Instant revokedAt) {}

  /** The client a key authenticates, and until when (null: until revoked). */
  record ActiveKey(UUID clientId, Instant expiresAt) {}

  private static final String COLUMNS = "id, client_id, hint, created_at, expires_at, revoked_at";

  private final JdbcClient jdbc;

  ApiKeyStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores a new key of the client; 0 rows if its hash is taken (see the demo client). */
  public int insert(UUID id, UUID clientId, String apiKey, Instant now) {
    return jdbc.sql(
            """
            INSERT INTO api_keys (id, client_id, key_hash, hint, created_at)
            VALUES (:id, :client, :hash, :hint, :now)
            ON CONFLICT DO NOTHING
            """)
        .param("id", id)
        .param("client", clientId)
        .param("hash", ApiKeys.hash(apiKey))
        .param("hint", ApiKeys.hint(apiKey))
        .param("now", at(now))
        .update();
  }

  Optional<ActiveKey> findActive(String keyHash, Instant now) {
    return jdbc.sql(
            """
            SELECT client_id, expires_at FROM api_keys
            WHERE key_hash = :hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
            """)
        .param("hash", keyHash)
        .param("now", at(now))
        .query(
            (rs, row) ->
                new ActiveKey(rs.getObject("client_id", UUID.class), instant(rs, "expires_at")))
        .optional();
  }

  /**
   * Ends the client's other live keys at {@code until} (those ending sooner keep their end): the
   * overlap in which old and new keys both work.
   */
  int expireOthers(UUID clientId, UUID keptKeyId, Instant until) {
    return jdbc.sql(
            """
            UPDATE api_keys SET expires_at = :until
            WHERE client_id = :client AND id <> :kept AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > :until)
            """)
        .param("client", clientId)
        .param("kept", keptKeyId)
        .param("until", at(until))
        .update();
  }

  /** Revokes one key of the client; 0 rows if it is not the client's or already revoked. */
  int revoke(UUID clientId, UUID keyId, Instant now) {
    return jdbc.sql(
            "UPDATE api_keys SET revoked_at = :now WHERE id = :id AND client_id = :client AND revoked_at IS NULL")
        .param("now", at(now))
        .param("id", keyId)
        .param("client", clientId)
        .update();
  }

  /** Revokes every key of the client. */
  public int revokeAll(UUID clientId, Instant now) {
    return jdbc.sql(
            "UPDATE api_keys SET revoked_at = :now WHERE client_id = :client AND revoked_at IS NULL")
        .param("now", at(now))
        .param("client", clientId)
        .update();
  }

  /**
   * Makes a key of the client work again, without expiry (the demo client's, when demo mode
   * returns).
   */
  public int reinstate(UUID clientId, String apiKey) {
    return jdbc.sql(
            """
            UPDATE api_keys SET revoked_at = NULL, expires_at = NULL
            WHERE client_id = :client AND key_hash = :hash
            """)
        .param("client", clientId)
        .param("hash", ApiKeys.hash(apiKey))
        .update();
  }

  Optional<StoredKey> find(UUID clientId, UUID keyId) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM api_keys WHERE id = :id AND client_id = :client")
        .param("id", keyId)
        .param("client", clientId)
        .query(ApiKeyStore::storedKey)
        .optional();
  }

  List<StoredKey> list(UUID clientId) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM api_keys WHERE client_id = :client ORDER BY created_at, id")
        .param("client", clientId)
        .query(ApiKeyStore::storedKey)
        .list();
  }

  private static StoredKey storedKey(ResultSet rs, int row) throws SQLException {
    return new StoredKey(
        rs.getObject("id", UUID.class),
        rs.getObject("client_id", UUID.class),
        rs.getString("hint"),
        instant(rs, "created_at"),
        instant(rs, "expires_at"),
        instant(rs, "revoked_at"));
  }

  private static OffsetDateTime at(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime at = rs.getObject(column, OffsetDateTime.class);
    return at == null ? null : at.toInstant();
  }
}

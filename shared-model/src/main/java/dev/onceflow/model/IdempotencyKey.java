package dev.onceflow.model;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;

/**
 * A client's Idempotency-Key and the transaction it produced. Rows are only ever created by {@code
 * INSERT ... ON CONFLICT DO NOTHING}: the primary key decides which request wins.
 */
@Entity
@Table(name = "idempotency_keys")
public class IdempotencyKey {

  /** Keys are scoped per client: two clients may use the same key string. */
  @Embeddable
  public record Id(
      @Column(name = "client_id", nullable = false) UUID clientId,
      @Column(name = "idempotency_key", nullable = false) String key)
      implements Serializable {}

  @EmbeddedId private Id id;

  @Column(name = "request_fingerprint", nullable = false)
  private String requestFingerprint;

  @Column(name = "transaction_id", nullable = false)
  private UUID transactionId;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  @Column(name = "expires_at", nullable = false)
  private Instant expiresAt;

  protected IdempotencyKey() {}

  public Id getId() {
    return id;
  }

  public String getRequestFingerprint() {
    return requestFingerprint;
  }

  public UUID getTransactionId() {
    return transactionId;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getExpiresAt() {
    return expiresAt;
  }
}

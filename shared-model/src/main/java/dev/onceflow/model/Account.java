package dev.onceflow.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * A client's funded account. {@code balance} falls only when a payment completes; {@code reserved}
 * holds the amounts of transactions not yet final. Both change only through conditional UPDATEs.
 */
@Entity
@Table(name = "accounts")
public class Account {

  @Id private UUID id;

  @Column(name = "client_id", nullable = false)
  private UUID clientId;

  @Column(nullable = false)
  private String currency;

  @Column(name = "opening_balance", nullable = false)
  private long openingBalance;

  @Column(nullable = false)
  private long balance;

  @Column(nullable = false)
  private long reserved;

  @Version private Long version;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false)
  private Instant updatedAt;

  protected Account() {}

  /** A new account holding {@code openingBalance} minor units, nothing reserved. */
  public Account(UUID id, UUID clientId, String currency, long openingBalance, Instant now) {
    this.id = id;
    this.clientId = clientId;
    this.currency = currency;
    this.openingBalance = openingBalance;
    this.balance = openingBalance;
    this.reserved = 0;
    this.createdAt = now;
    this.updatedAt = now;
  }

  public UUID getId() {
    return id;
  }

  public UUID getClientId() {
    return clientId;
  }

  public String getCurrency() {
    return currency;
  }

  public long getOpeningBalance() {
    return openingBalance;
  }

  public long getBalance() {
    return balance;
  }

  public long getReserved() {
    return reserved;
  }

  /** Funds a new transaction may reserve. */
  public long getAvailable() {
    return balance - reserved;
  }

  public Long getVersion() {
    return version;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getUpdatedAt() {
    return updatedAt;
  }
}

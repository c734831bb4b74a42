package dev.onceflow.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * One payment request and where it stands. The entity is written once at intake; every later change
 * is a conditional UPDATE guarded by {@link TransactionState} (and the version where a stale read
 * must lose), never a read-modify-write of this object.
 */
@Entity
@Table(name = "transactions")
public class PaymentTransaction {

  @Id private UUID id;

  @Column(name = "client_id", nullable = false)
  private UUID clientId;

  @Column(name = "account_id", nullable = false)
  private UUID accountId;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  private TransactionState state;

  @Column(nullable = false)
  private long amount;

  @Column(nullable = false)
  private String currency;

  @Column(name = "creditor_name", nullable = false)
  private String creditorName;

  @Column(name = "creditor_iban", nullable = false)
  private String creditorIban;

  @Column private String reference;

  @Column(name = "external_key", nullable = false)
  private String externalKey;

  @Column(name = "idempotency_key")
  private String idempotencyKey;

  @Column(name = "trace_id")
  private String traceId;

  @Column(nullable = false)
  private int attempts;

  @Column(name = "next_attempt_at", nullable = false)
  private Instant nextAttemptAt;

  @Column(name = "lease_until", nullable = false)
  private Instant leaseUntil;

  @Column(name = "bank_reference")
  private String bankReference;

  @Enumerated(EnumType.STRING)
  @Column(name = "failure_code")
  private FailureCode failureCode;

  @Column(name = "failure_detail")
  private String failureDetail;

  @Version private Long version;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false)
  private Instant updatedAt;

  protected PaymentTransaction() {}

  /**
   * A new transaction as intake records it.
   *
   * @param idempotencyKey the client's Idempotency-Key; null for a draft created without one
   * @param traceId the W3C trace id of the request that creates it; null without tracing
   * @param redriveAt when the recovery sweeper re-enqueues it if no worker has claimed it by then
   */
  public PaymentTransaction(
      UUID id,
      UUID clientId,
      UUID accountId,
      long amount,
      String currency,
      String creditorName,
      String creditorIban,
      String reference,
      String externalKey,
      String idempotencyKey,
      String traceId,
      Instant now,
      Instant redriveAt) {
    this.id = id;
    this.clientId = clientId;
    this.accountId = accountId;
    this.state = TransactionState.PENDING;
    this.amount = amount;
    this.currency = currency;
    this.creditorName = creditorName;
    this.creditorIban = creditorIban;
    this.reference = reference;
    this.externalKey = externalKey;
    this.idempotencyKey = idempotencyKey;
    this.traceId = traceId;
    this.attempts = 0;
    this.nextAttemptAt = now;
    this.leaseUntil = redriveAt;
    this.createdAt = now;
    this.updatedAt = now;
  }

  /**
   * Makes a not-yet-persisted transaction a {@link TransactionState#DRAFT}: nothing is reserved
   * until the client confirms it, which it must do before {@code confirmBy}. A draft's {@code
   * lease_until} holds that deadline.
   */
  public void keepAsDraft(Instant confirmBy) {
    if (version != null) {
      throw new IllegalStateException("only a new transaction can be kept as a draft");
    }
    this.state = TransactionState.DRAFT;
    this.leaseUntil = confirmBy;
  }

  /** Marks a not-yet-persisted transaction as refused at intake (nothing is reserved). */
  public void refuseAtIntake(FailureCode code, String detail) {
    if (version != null) {
      throw new IllegalStateException("only a new transaction can be refused at intake");
    }
    this.state = TransactionState.FAILED;
    this.failureCode = code;
    this.failureDetail = detail;
  }

  public UUID getId() {
    return id;
  }

  public UUID getClientId() {
    return clientId;
  }

  public UUID getAccountId() {
    return accountId;
  }

  public TransactionState getState() {
    return state;
  }

  public long getAmount() {
    return amount;
  }

  public String getCurrency() {
    return currency;
  }

  public String getCreditorName() {
    return creditorName;
  }

  public String getCreditorIban() {
    return creditorIban;
  }

  public String getReference() {
    return reference;
  }

  public String getExternalKey() {
    return externalKey;
  }

  /** The client's Idempotency-Key; null for a draft created without one. */
  public String getIdempotencyKey() {
    return idempotencyKey;
  }

  public String getTraceId() {
    return traceId;
  }

  public int getAttempts() {
    return attempts;
  }

  public Instant getNextAttemptAt() {
    return nextAttemptAt;
  }

  public Instant getLeaseUntil() {
    return leaseUntil;
  }

  public String getBankReference() {
    return bankReference;
  }

  public FailureCode getFailureCode() {
    return failureCode;
  }

  public String getFailureDetail() {
    return failureDetail;
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

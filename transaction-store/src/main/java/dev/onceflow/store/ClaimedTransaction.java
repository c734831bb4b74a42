package dev.onceflow.store;

import dev.onceflow.model.TransactionState;
import java.time.Instant;
import java.util.UUID;

/**
 * A transaction a worker holds, as read right after the claim: PROCESSING (a PENDING one, to call
 * the bank) or UNKNOWN (to look its payment up), under a lease either way.
 *
 * @param state PROCESSING or UNKNOWN
 * @param claimedAt when the claim was made: every bank call it allows is aborted at {@code
 *     claimedAt + onceflow.bank.call-deadline}
 * @param lookups the lookups an UNKNOWN transaction has had, this one included
 * @param absenceTrustedFrom from when the bank's "no payment for this key" is believed; null while
 *     the bank acknowledged the payment (or for a PROCESSING claim)
 * @param bankReference the bank's payment id, if it ever named one
 * @param version the row's version after the claim: every outcome UPDATE requires it, so a worker
 *     whose lease was taken over loses
 * @param attempts the claim's attempt number (1 for the first)
 * @param idempotencyKey the client's Idempotency-Key (for the logs; the bank gets externalKey)
 * @param firstAttemptAt when the first claim of the current round of attempts was made; the
 *     worker's deadline counts from it
 * @param callId the bank call this claim allows, journaled by the claim itself (bank_calls): its
 *     outcome is recorded against it
 */
public record ClaimedTransaction(
    UUID id,
    TransactionState state,
    Instant claimedAt,
    long version,
    int attempts,
    UUID accountId,
    long amount,
    String currency,
    String creditorName,
    String creditorIban,
    String reference,
    String externalKey,
    String idempotencyKey,
    Instant firstAttemptAt,
    int lookups,
    Instant absenceTrustedFrom,
    String bankReference,
    long callId)
    implements HeldTransaction {}

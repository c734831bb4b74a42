package dev.onceflow.store;

import dev.onceflow.model.FailureCode;
import dev.onceflow.model.TransactionState;
import java.util.UUID;

/**
 * A transaction row locked ({@code FOR UPDATE}) by an operator's action, as it was read under the
 * lock: nothing else changes it until the action's DB transaction ends.
 *
 * @param failureCode null unless FAILED
 */
public record LockedTransaction(
    UUID id,
    TransactionState state,
    FailureCode failureCode,
    long version,
    UUID clientId,
    UUID accountId,
    String currency,
    long amount)
    implements HeldTransaction {}

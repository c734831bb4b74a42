package dev.onceflow.store;

import dev.onceflow.model.TransactionState;
import java.util.UUID;

/**
 * A transaction row its holder read in the state it is about to change: a worker's claim, or an
 * operator's row lock. An outcome is recorded only if the row is still in {@link #state()} at
 * {@link #version()}.
 */
public interface HeldTransaction {

  UUID id();

  TransactionState state();

  long version();

  UUID accountId();

  long amount();
}

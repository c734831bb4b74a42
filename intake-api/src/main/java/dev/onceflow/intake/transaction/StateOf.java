package dev.onceflow.intake.transaction;

import dev.onceflow.model.TransactionState;
import java.util.UUID;

/** The state of one transaction: what the long-poll watcher reads for every waiting id per tick. */
public record StateOf(UUID id, TransactionState state) {}

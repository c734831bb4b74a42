/**
 * Debezium's embedded engine on the outbox: leadership, restarts, health and the replication slot.
 */
package dev.onceflow.relay.cdc;

/** Publishing outbox events to Kafka with an idempotent producer. */
package dev.onceflow.relay.publish;

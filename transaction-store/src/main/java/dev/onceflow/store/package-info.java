/** Every write to a payment's rows: each transition, the funds, the outbox event. */
package dev.onceflow.store;

/**
 * The simulated bank's ledger: one payment per idempotency key, every call and execution counted.
 */
package dev.onceflow.bank.payment;

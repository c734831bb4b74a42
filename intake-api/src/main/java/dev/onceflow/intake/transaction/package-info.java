/**
 * Payments at intake: submissions with idempotency keys, drafts and their confirm, expiry, reads
 * and waits.
 */
package dev.onceflow.intake.transaction;

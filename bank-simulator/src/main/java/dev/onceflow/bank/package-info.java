/** A stand-in third-party bank that honours Idempotency-Key: the application and its settings. */
package dev.onceflow.bank;

/**
 * Refusals: what the domain throws when a request cannot be honoured; the web layer answers them.
 */
package dev.onceflow.intake.refusal;

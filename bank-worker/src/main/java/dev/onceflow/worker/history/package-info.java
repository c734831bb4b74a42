/** Keeping payments' history bounded: the purge of final payments' history past its retention. */
package dev.onceflow.worker.history;

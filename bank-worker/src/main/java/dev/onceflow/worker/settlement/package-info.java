/**
 * Settling payments: consuming requests with bounded slots, claiming, calling the bank, recording
 * outcomes.
 */
package dev.onceflow.worker.settlement;

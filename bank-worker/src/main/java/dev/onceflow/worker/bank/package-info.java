/**
 * Calls to the bank: the HTTP client, each call's hard deadline, the circuit breaker and
 * Retry-After gate.
 */
package dev.onceflow.worker.bank;

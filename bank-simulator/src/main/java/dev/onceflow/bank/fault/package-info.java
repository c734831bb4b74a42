/**
 * The faults the simulated bank injects (errors, timeouts, declines, throttling, latency) and their
 * dice.
 */
package dev.onceflow.bank.fault;

/**
 * Gauges of the transactions table: counts by state, expired leases, overdue and UNKNOWN payments.
 */
package dev.onceflow.worker.monitoring;

/**
 * The console's overview: payments by state and the stuck ones, throughput and completion latency
 * from the history, the relay's replication slot and heartbeat, and the workers' Kafka lag and dead
 * letters, refreshed in place by a small script.
 */
package dev.onceflow.console.overview;

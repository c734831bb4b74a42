/**
 * The console's read-only pages of payments: a payment's page with its timeline, and the search by
 * any id of a payment's chain. Plain JdbcClient on the console's pool; the history itself is read
 * through the transaction store's {@code TransactionHistory}, the one place that knows its tables.
 */
package dev.onceflow.console.payment;

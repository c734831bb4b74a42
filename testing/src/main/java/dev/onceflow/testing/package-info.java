/** Test support: the shared PostgreSQL and Kafka of a test JVM, and the audits run after tests. */
package dev.onceflow.testing;

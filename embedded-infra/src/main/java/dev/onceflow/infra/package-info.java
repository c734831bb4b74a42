/** An embedded PostgreSQL and an in-process KRaft Kafka broker, started from Maven artifacts. */
package dev.onceflow.infra;

/** The outbox relay: the application, its settings and wiring. */
package dev.onceflow.relay;

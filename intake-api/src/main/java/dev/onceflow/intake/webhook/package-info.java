/**
 * Clients' webhook endpoints and the log of their deliveries: registered, listed and deleted here,
 * delivered by the webhook-dispatcher service, which intake never waits for.
 */
package dev.onceflow.intake.webhook;

/** The HTTP API of webhook endpoints: /webhook-endpoints. */
package dev.onceflow.intake.webhook.web;

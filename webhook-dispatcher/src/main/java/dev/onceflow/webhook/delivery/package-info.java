/**
 * Deliveries: created from the events topic ({@link dev.onceflow.webhook.delivery.EventFanOut}),
 * claimed and sent with a signature ({@link dev.onceflow.webhook.delivery.DeliverySender}), their
 * SQL in one place ({@link dev.onceflow.webhook.delivery.DeliveryStatements}).
 */
package dev.onceflow.webhook.delivery;

package dev.onceflow.intake.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A client's endpoint, without its secret. */
public record WebhookEndpoint(UUID id, String url, List<String> eventTypes, Instant createdAt) {}

package dev.onceflow.intake.webhook;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The webhook setting intake reads too: the dispatcher's, under the same name, so that one setting
 * governs both the check at registration and the one before each attempt.
 *
 * @param allowPrivateAddresses whether endpoints may resolve to loopback or private addresses
 */
@ConfigurationProperties("onceflow.webhooks")
public record WebhookSettings(@DefaultValue("false") boolean allowPrivateAddresses) {}

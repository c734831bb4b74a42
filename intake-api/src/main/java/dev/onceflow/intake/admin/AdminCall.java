package dev.onceflow.intake.admin;

/**
 * One admin request, as the audit records it.
 *
 * @param actor which admin credential made it (a fingerprint of the key, never the key) and the
 *     person or tool it named in {@code Onceflow-Actor}
 * @param idempotencyKey the request's Idempotency-Key; null for reads
 */
public record AdminCall(
    String actor, String remoteAddress, String method, String path, String idempotencyKey) {}

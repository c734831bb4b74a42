/**
 * API clients: their keys (hashed, rotated, revoked), authentication and per-client rate limits.
 */
package dev.onceflow.intake.client;

/** The webhook dispatcher: the application and its settings. */
package dev.onceflow.webhook;

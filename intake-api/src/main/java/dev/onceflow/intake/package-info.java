/** The intake API: the application, its settings and limits. */
package dev.onceflow.intake;

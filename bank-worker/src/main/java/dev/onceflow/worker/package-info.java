/** The bank worker: the application, its settings and their checks. */
package dev.onceflow.worker;

/** The recovery sweeper: re-enqueues payments nobody is working on. */
package dev.onceflow.worker.recovery;

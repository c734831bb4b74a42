/**
 * The runnable jar: the whole stack in one process, one service alone, the self-check, the ops
 * entry.
 */
package dev.onceflow.local;

/** The benchmark command: the stack as a process, its load, its SQL ceilings and the report. */
package dev.onceflow.benchmark;

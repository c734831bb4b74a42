/**
 * What an operator does from the console: retry, re-drive and resolve one payment (each confirmed
 * on its own page), and the bulk actions that wait for a second operator's approval. Every change
 * is the ops commands' own ({@link dev.onceflow.ops.OperatorActions}), audited with the logged-in
 * operator's name.
 */
package dev.onceflow.console.action;

/** What operators do to payments (OperatorActions, audited) and the ops CLI on it. */
package dev.onceflow.ops;

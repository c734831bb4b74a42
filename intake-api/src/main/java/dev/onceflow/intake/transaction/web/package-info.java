/** The /transactions endpoints, their views and long-polls. */
package dev.onceflow.intake.transaction.web;

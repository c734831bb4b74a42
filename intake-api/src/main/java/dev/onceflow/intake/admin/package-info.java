/** Administration: opening accounts, idempotent admin writes, the admin audit. */
package dev.onceflow.intake.admin;

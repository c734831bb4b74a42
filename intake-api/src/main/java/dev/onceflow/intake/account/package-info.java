/** Clients' accounts: reads, creation, and the check of currency codes. */
package dev.onceflow.intake.account;

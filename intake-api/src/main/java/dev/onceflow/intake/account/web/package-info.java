/** The /accounts endpoints and their views. */
package dev.onceflow.intake.account.web;

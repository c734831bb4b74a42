/** The /admin endpoints and the admin key's authentication. */
package dev.onceflow.intake.admin.web;

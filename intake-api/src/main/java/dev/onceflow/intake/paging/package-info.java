/** Keyset pagination for every list of the API: cursors, page requests and pages. */
package dev.onceflow.intake.paging;

/**
 * The lists an operator works through: unfinished payments that have not moved (stuck or waiting on
 * the bank, with their age), failed ones by failure code, and the dead-lettered records; each
 * filtered and a page at a time.
 */
package dev.onceflow.console.list;

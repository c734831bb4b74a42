/** The simulator's /payments endpoints: pay, look up by key, list the ledger. */
package dev.onceflow.bank.payment.web;

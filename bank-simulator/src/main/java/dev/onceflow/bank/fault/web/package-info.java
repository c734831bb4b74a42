/** The simulator's /faults endpoint: read and replace the faults in force. */
package dev.onceflow.bank.fault.web;

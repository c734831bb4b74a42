/** The local stack's demo client and accounts; refused on a database that has real clients. */
package dev.onceflow.intake.demo;

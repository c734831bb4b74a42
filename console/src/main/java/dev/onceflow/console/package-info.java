/**
 * The operator console: its application, its users and their roles, and the wiring of the login;
 * the pages themselves live in {@code overview} and {@code payment}.
 */
package dev.onceflow.console;

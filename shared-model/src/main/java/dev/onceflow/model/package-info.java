/**
 * Domain types shared by every service: states and transitions, events, topics, entities, the
 * schema.
 */
package dev.onceflow.model;

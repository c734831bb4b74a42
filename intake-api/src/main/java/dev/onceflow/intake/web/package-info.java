/** The web layer: problem+json answers, body limits, logging context, the OpenAPI document. */
package dev.onceflow.intake.web;

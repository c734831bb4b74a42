package dev.onceflow.intake.web;

import java.io.IOException;

/** Thrown while reading a body of unknown length once it passes the limit. */
class BodyTooLargeException extends IOException {
  BodyTooLargeException(long maxBytes) {
    super("request body larger than " + maxBytes + " bytes");
  }
}

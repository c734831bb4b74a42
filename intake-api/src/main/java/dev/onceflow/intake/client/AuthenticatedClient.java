package dev.onceflow.intake.client;

import java.util.Objects;
import java.util.UUID;

/** The client a request authenticated as; everything it reads or writes is scoped to it. */
public record AuthenticatedClient(UUID id) {
  public AuthenticatedClient {
    Objects.requireNonNull(id, "id");
  }
}

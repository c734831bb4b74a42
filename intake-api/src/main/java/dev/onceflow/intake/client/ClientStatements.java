package dev.onceflow.intake.client;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The registration of clients (by the admin API and the demo data); their keys are {@link
 * ApiKeyStore}'s.
 */
@Repository
public class ClientStatements {

  private static final String INSERT_IF_ABSENT =
      "INSERT INTO clients (id, name, created_at) VALUES (:id, :name, :now) ON CONFLICT DO NOTHING";

  private final JdbcClient jdbc;

  ClientStatements(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Registers a client unless its id is taken; whether it did. */
  public boolean insertIfAbsent(UUID id, String name, Instant now) {
    return jdbc.sql(INSERT_IF_ABSENT)
            .param("id", id)
            .param("name", name)
            .param("now", now.atOffset(ZoneOffset.UTC))
            .update()
        == 1;
  }
}

package dev.onceflow.infra;

/**
 * A PostgreSQL server that Onceflow's services and tests can use: logical replication on, the
 * Onceflow database created, user {@value #USER} accepted without a password (trust).
 */
public interface PostgresServer {

  String USER = "postgres";

  /** JDBC URL of the Onceflow database. */
  default String jdbcUrl() {
    return jdbcUrl(EmbeddedPostgresServer.DATABASE);
  }

  /** JDBC URL of {@code database} on this server (a test's own database, say). */
  String jdbcUrl(String database);
}

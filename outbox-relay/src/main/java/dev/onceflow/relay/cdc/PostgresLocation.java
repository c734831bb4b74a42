package dev.onceflow.relay.cdc;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where the database is, as Debezium wants it (host, port and database name apart), taken from the
 * JDBC URL the rest of the application uses.
 */
public record PostgresLocation(String host, int port, String database) {

  private static final String PREFIX = "jdbc:postgresql://";
  private static final int DEFAULT_PORT = 5432;

  public PostgresLocation {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is required");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (database == null || database.isBlank()) {
      throw new IllegalArgumentException("database is required");
    }
  }

  /**
   * Parses {@code jdbc:postgresql://host[:port]/database[?parameters]}. Multi-host URLs are
   * refused: a replication slot lives on one server, and failing over silently would lose it.
   */
  public static PostgresLocation fromJdbcUrl(String jdbcUrl) {
    if (jdbcUrl == null || !jdbcUrl.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a jdbc:postgresql://host/database URL: " + jdbcUrl);
    }
    URI uri;
    try {
      uri = new URI(jdbcUrl.substring("jdbc:".length()));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed JDBC URL: " + jdbcUrl, e);
    }
    String host = uri.getHost();
    if (host == null) {
      throw new IllegalArgumentException("expected exactly one host in " + jdbcUrl);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String path = uri.getPath();
    String database = path == null || path.length() <= 1 ? null : path.substring(1);
    return new PostgresLocation(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database);
  }
}

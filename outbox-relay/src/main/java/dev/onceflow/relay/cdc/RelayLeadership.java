package dev.onceflow.relay.cdc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets exactly one relay stream at a time: the active one holds a PostgreSQL session-level advisory
 * lock on a connection of its own. When its process dies, PostgreSQL ends the session and frees the
 * lock (and the replication slot), and a standby that polls for the lock takes over.
 */
public final class RelayLeadership implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RelayLeadership.class);

  private final String jdbcUrl;
  private final Properties credentials;
  private final long lockKey;
  private Connection connection;

  /**
   * @param slotName relays streaming the same slot compete for the same lock; others do not
   */
  public RelayLeadership(String jdbcUrl, String user, String password, String slotName) {
    this.jdbcUrl = jdbcUrl;
    this.credentials = new Properties();
    credentials.setProperty("user", user);
    if (password != null && !password.isEmpty()) {
      credentials.setProperty("password", password);
    }
    credentials.setProperty("ApplicationName", "onceflow-relay-leadership");
    this.lockKey =
        UUID.nameUUIDFromBytes(("onceflow-relay:" + slotName).getBytes(StandardCharsets.UTF_8))
            .getMostSignificantBits();
  }

  /**
   * True if this relay holds the lock: still (its session is alive) or newly acquired. Never blocks
   * on the lock itself; a standby calls it again after a pause.
   */
  public synchronized boolean holdOrAcquire() {
    if (isHeld()) {
      return true;
    }
    closeQuietly();
    try {
      connection = DriverManager.getConnection(jdbcUrl, credentials);
      try (Statement statement = connection.createStatement();
          ResultSet acquired =
              statement.executeQuery("SELECT pg_try_advisory_lock(" + lockKey + ")")) {
        acquired.next();
        if (acquired.getBoolean(1)) {
          log.info("This relay is now the active one (advisory lock {})", lockKey);
          return true;
        }
      }
    } catch (SQLException e) {
      log.debug("Cannot try the relay lock: {}", e.getMessage());
    }
    closeQuietly();
    return false;
  }

  /** True while the session holding the lock is alive; the lock lives exactly as long. */
  public synchronized boolean isHeld() {
    if (connection == null) {
      return false;
    }
    try {
      return connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Frees the lock for a standby (by ending the session that holds it). */
  @Override
  public synchronized void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("Closing the relay lock connection: {}", e.getMessage());
      }
      connection = null;
    }
  }
}

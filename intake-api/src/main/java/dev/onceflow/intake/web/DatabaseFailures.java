package dev.onceflow.intake.web;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/** Tells "PostgreSQL cannot be reached" apart from other failures, whatever layer wrapped it. */
final class DatabaseFailures {

  private DatabaseFailures() {}

  static boolean isUnavailable(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = next(cause)) {
      if (cause instanceof CannotCreateTransactionException
          || cause instanceof DataAccessResourceFailureException
          || cause instanceof SQLTransientConnectionException
          || cause instanceof ConnectException) {
        return true;
      }
      // SQLSTATE class 08: connection exception; 57P0x: the server is shutting down or starting.
      if (cause instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
        return true;
      }
      // HikariCP's proxy of a connection it has already evicted (after a fatal connection error,
      // so typically when rolling back) throws this without a SQLSTATE.
      if (cause instanceof SQLException sql && "Connection is closed".equals(sql.getMessage())) {
        return true;
      }
    }
    return false;
  }

  /** The pool gave up waiting for a free connection (HikariCP's connection timeout). */
  static boolean isPoolTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = next(cause)) {
      if (cause instanceof SQLTransientConnectionException) {
        return true;
      }
    }
    return false;
  }

  private static Throwable next(Throwable cause) {
    return cause.getCause() == cause ? null : cause.getCause();
  }
}

package dev.onceflow.intake.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.hibernate.TransactionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.orm.jpa.JpaSystemException;

class DatabaseFailuresTest {

  @Test
  void aRollbackOnAConnectionHikariAlreadyEvictedMeansTheDatabaseIsAway() {
    // What intake saw when PostgreSQL was killed mid-request (the fault campaign's first finding):
    // answered 500 until this was recognised, 503 with Retry-After since.
    RuntimeException rollbackFailure =
        new JpaSystemException(
            new TransactionException(
                "Unable to rollback against JDBC Connection",
                new SQLException("Connection is closed")));

    assertThat(DatabaseFailures.isUnavailable(rollbackFailure)).isTrue();
  }

  @Test
  void tellsConnectionLossFromOtherSqlErrors() {
    assertThat(DatabaseFailures.isUnavailable(new SQLException("terminating connection", "57P01")))
        .isTrue();
    assertThat(DatabaseFailures.isUnavailable(new SQLException("I/O error", "08006"))).isTrue();
    assertThat(
            DatabaseFailures.isUnavailable(
                new DataIntegrityViolationException(
                    "duplicate key", new SQLException("duplicate key", "23505"))))
        .isFalse();
    assertThat(DatabaseFailures.isUnavailable(new SQLException("syntax error", "42601"))).isFalse();
  }
}

package dev.onceflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.infra.PostgresServer;
import dev.onceflow.store.TransactionTransitions;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The ceiling's scripts, built from the product's statements, do what a payment does: run the
 * lifecycle for a moment, and every payment it started is COMPLETED with its funds settled.
 */
class SqlCeilingIT {

  @Test
  void theLifecycleScriptCompletesEveryPaymentItStarts() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    int port = URI.create(postgres.jdbcUrl().substring("jdbc:".length())).getPort();
    SqlCeiling ceiling = new SqlCeiling(port, PostgresServer.USER);
    ceiling.prepare(postgres.jdbcUrl());
    Path work = Files.createTempDirectory("onceflow-ceiling-it");

    double perSecond = ceiling.run("lifecycle", SqlCeiling.lifecycleScript(), 2, 2, work);

    assertThat(perSecond).isPositive();
    try (Connection connection =
            DriverManager.getConnection(ceiling.jdbcUrl(), PostgresServer.USER, "");
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                """
                SELECT count(*) FILTER (WHERE state = 'COMPLETED'), count(*),
                       (SELECT sum(reserved) FROM accounts),
                       (SELECT sum(opening_balance - balance) FROM accounts),
                       (SELECT sum(amount) FROM transactions)
                FROM transactions
                """)) {
      row.next();
      assertThat(row.getLong(2)).as("payments started").isPositive();
      assertThat(row.getLong(1)).as("payments completed").isEqualTo(row.getLong(2));
      assertThat(row.getLong(3)).as("funds still reserved").isZero();
      assertThat(row.getLong(4)).as("funds paid out").isEqualTo(row.getLong(5));
    }
  }

  @Test
  void aStatementParameterWithoutAValueIsRefused() {
    assertThatThrownBy(() -> SqlCeiling.bind(TransactionTransitions.COMPLETE, "id", "1"))
        .hasMessageContaining("no value for :");
  }
}

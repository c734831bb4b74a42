package dev.onceflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit catches a forbidden state change and a history that disagrees with its transaction,
 * passes allowed ones, and reads each change once.
 */
class TransitionAuditIT {

  private static final String DATABASE = "transition_audit";
  private static PostgresServer postgres;

  @BeforeAll
  static void migrate() throws SQLException {
    postgres = SharedTestInfrastructure.postgres();
    try (Connection admin =
            DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + DATABASE);
      statement.execute("CREATE DATABASE " + DATABASE);
    }
    // As a service migrates: the schema, the history's trigger included.
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(DATABASE), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  @Test
  void aForbiddenChangeIsReportedAndAllowedOnesAreNot() throws SQLException {
    TransitionAudit.forbiddenChanges(postgres); // whatever earlier tests left
    UUID allowed = insertTransaction("PENDING");
    UUID forbidden = insertTransaction("COMPLETED");
    execute("UPDATE transactions SET state = 'PROCESSING' WHERE id = '" + allowed + "'");
    execute("UPDATE transactions SET state = 'PENDING' WHERE id = '" + forbidden + "'");
    execute("UPDATE transactions SET attempts = attempts + 1 WHERE id = '" + forbidden + "'");

    assertThat(TransitionAudit.forbiddenChanges(postgres))
        .singleElement()
        .asString()
        .contains(DATABASE, forbidden.toString(), "COMPLETED -> PENDING");
    assertThat(TransitionAudit.forbiddenChanges(postgres)).as("each change is read once").isEmpty();
  }

  @Test
  void aHistoryThatDisagreesWithItsTransactionIsReported() throws SQLException {
    TransitionAudit.forbiddenChanges(postgres); // whatever earlier tests left
    UUID kept = insertTransaction("PENDING");
    UUID unrecorded = insertTransaction("PENDING");
    execute("UPDATE transactions SET state = 'PROCESSING' WHERE id = '" + kept + "'");
    // A change the history misses, as a build without the trigger would make.
    execute("ALTER TABLE transactions DISABLE TRIGGER record_transaction_history_update");
    try {
      execute("UPDATE transactions SET state = 'PROCESSING' WHERE id = '" + unrecorded + "'");
    } finally {
      execute("ALTER TABLE transactions ENABLE TRIGGER record_transaction_history_update");
    }

    assertThat(TransitionAudit.forbiddenChanges(postgres))
        .singleElement()
        .asString()
        .contains(
            DATABASE, unrecorded.toString(), "ends at PENDING but the transaction is PROCESSING");

    execute("UPDATE transactions SET state = 'COMPLETED' WHERE id = '" + unrecorded + "'");
    execute("UPDATE transactions SET state = 'COMPLETED' WHERE id = '" + kept + "'");
    assertThat(TransitionAudit.forbiddenChanges(postgres))
        .singleElement()
        .asString()
        .contains(unrecorded.toString(), "starts at PROCESSING after PENDING");
  }

  private UUID insertTransaction(String state) throws SQLException {
    UUID client = UUID.randomUUID();
    UUID account = UUID.randomUUID();
    UUID id = UUID.randomUUID();
    execute(
        "INSERT INTO clients (id, name, created_at) VALUES ('%s', 'audit', now())"
            .formatted(client));
    execute(
        """
        INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version, created_at, updated_at)
        VALUES ('%s', '%s', 'EUR', 100, 100, 0, 0, now(), now())
        """
            .formatted(account, client));
    execute(
        """
        INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,
                                  reference, external_key, attempts, next_attempt_at, lease_until, version,
                                  created_at, updated_at)
        VALUES ('%s', '%s', '%s', '%s', 1, 'EUR', 'ACME', 'DE89370400440532013000', 'audit', '%s', 0, now(), now(), 0,
                now(), now())
        """
            .formatted(id, client, account, state, UUID.randomUUID()));
    return id;
  }

  private void execute(String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(postgres.jdbcUrl(DATABASE), PostgresServer.USER, "");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}

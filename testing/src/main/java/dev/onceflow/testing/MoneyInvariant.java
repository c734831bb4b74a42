package dev.onceflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.model.TransactionState;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The money invariant (docs/design.md), checked from the database after each test of a class that
 * registers it, for every account: {@code balance = opening - sum(COMPLETED amounts)}, {@code
 * reserved = sum(amounts of the transactions whose state reserves funds)} ({@link
 * TransactionState#reservesFunds()}: a DRAFT reserves nothing), and available funds not below zero.
 */
public final class MoneyInvariant implements AfterEachCallback {

  private static final String VIOLATIONS =
      """
      SELECT a.id, a.opening_balance, a.balance, a.reserved, t.completed, t.held
      FROM accounts a
      CROSS JOIN LATERAL (
          SELECT COALESCE(SUM(amount) FILTER (WHERE state = '%s'), 0) AS completed,
                 COALESCE(SUM(amount) FILTER (WHERE state IN (%s)), 0) AS held
          FROM transactions
          WHERE account_id = a.id
      ) t
      WHERE a.balance <> a.opening_balance - t.completed
         OR a.reserved <> t.held
         OR a.balance - a.reserved < 0
      """
          .formatted(
              TransactionState.COMPLETED,
              Arrays.stream(TransactionState.values())
                  .filter(TransactionState::reservesFunds)
                  .map(state -> "'" + state + "'")
                  .collect(Collectors.joining(", ")));

  @Override
  public void afterEach(ExtensionContext context) {
    assertHolds(SharedTestInfrastructure.postgres().jdbcUrl());
  }

  public static void assertHolds(String jdbcUrl) {
    SingleConnectionDataSource dataSource =
        new SingleConnectionDataSource(jdbcUrl, "postgres", "", true);
    try {
      List<Map<String, Object>> violations = new JdbcTemplate(dataSource).queryForList(VIOLATIONS);
      assertThat(violations).as("accounts breaking the money invariant").isEmpty();
    } finally {
      dataSource.destroy();
    }
  }
}

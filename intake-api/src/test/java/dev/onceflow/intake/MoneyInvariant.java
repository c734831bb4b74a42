package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.SharedTestInfrastructure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * DESIGN's invariant 4, checked from the database after every test, for every account: {@code
 * balance = opening - sum(COMPLETED amounts)}, {@code reserved = sum(amounts of PENDING and
 * PROCESSING and UNKNOWN transactions)} (a DRAFT reserves nothing), and available funds not below zero.
 */
final class MoneyInvariant implements AfterEachCallback {

  private static final String VIOLATIONS =
      """
      SELECT a.id, a.opening_balance, a.balance, a.reserved, t.completed, t.held
      FROM accounts a
      CROSS JOIN LATERAL (
          SELECT COALESCE(SUM(amount) FILTER (WHERE state = 'COMPLETED'), 0) AS completed,
                 COALESCE(SUM(amount) FILTER (WHERE state IN ('PENDING', 'PROCESSING', 'UNKNOWN')), 0) AS held
          FROM transactions
          WHERE account_id = a.id
      ) t
      WHERE a.balance <> a.opening_balance - t.completed
         OR a.reserved <> t.held
         OR a.balance - a.reserved < 0
      """;

  @Override
  public void afterEach(ExtensionContext context) {
    assertHolds(SharedTestInfrastructure.postgres().jdbcUrl());
  }

  static void assertHolds(String jdbcUrl) {
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

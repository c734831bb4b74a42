package dev.onceflow.intake;

import com.zaxxer.hikari.HikariDataSource;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An intake-api started as a user starts it, against a real PostgreSQL, on a free port. Most ITs
 * share one ({@link #shared()}); a test that needs other settings starts its own.
 */
final class TestIntake implements AutoCloseable {

  /** As strong as intake requires: 32 random bytes' worth of base64. */
  static final String ADMIN_KEY = "it-admin-Vq3xN8kLp2Rm7Ws9Yb4Tc6Hd1Jf5Ge0Az_UoQi";

  private static TestIntake shared;

  final ConfigurableApplicationContext context;
  final String baseUrl;

  /** The test's own view of the database, as its owner: intake's role may not see everything. */
  final JdbcTemplate jdbc;

  private final HikariDataSource owner;

  private TestIntake(ConfigurableApplicationContext context) {
    this.context = context;
    this.baseUrl = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
    this.owner = new HikariDataSource();
    owner.setJdbcUrl(context.getEnvironment().getProperty("spring.datasource.url"));
    owner.setUsername(PostgresServer.USER);
    owner.setMaximumPoolSize(4);
    this.jdbc = new JdbcTemplate(owner);
  }

  /**
   * The intake most ITs share, on the shared PostgreSQL. Its scheduled jobs run hourly, so tests
   * decide when a purge or an expiry happens (they call the jobs); small batches exercise batching.
   */
  static synchronized TestIntake shared() {
    if (shared == null) {
      shared =
          start(
              SharedTestInfrastructure.postgres(),
              "--onceflow.admin.api-key=" + ADMIN_KEY,
              "--onceflow.intake.key-purge-interval=1h",
              "--onceflow.intake.draft-expiry-interval=1h",
              "--onceflow.intake.expiry-batch-size=3",
              // Many tests from one address and few clients: the limits have tests of their own.
              "--onceflow.intake.limits.requests-per-second=100000",
              "--onceflow.intake.limits.burst=100000",
              "--onceflow.intake.limits.failed-authentications-per-second=100000");
      OutboxAudit.install(shared.jdbc);
    }
    return shared;
  }

  /** A separate intake on {@code postgres} with these extra arguments; the caller closes it. */
  static TestIntake start(PostgresServer postgres, String... arguments) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--management.server.port=0");
    args.add("--spring.datasource.url=" + postgres.jdbcUrl());
    args.add("--spring.main.banner-mode=off");
    args.addAll(List.of(arguments));
    return new TestIntake(IntakeApplication.application().run(args.toArray(String[]::new)));
  }

  IntakeHttp http(String apiKey) {
    return new IntakeHttp(baseUrl, apiKey);
  }

  IntakeHttp admin() {
    return new IntakeHttp(baseUrl, ADMIN_KEY);
  }

  @Override
  public void close() {
    context.close();
    owner.close();
  }
}

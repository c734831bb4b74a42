package dev.onceflow.webhook.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.onceflow.infra.PostgresServer;
import dev.onceflow.testing.SharedTestInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The claim on a real PostgreSQL: one transaction's deliveries to one endpoint go one at a time in
 * creation order, an attempt's lease keeps others off it, and a lapsed lease hands the delivery to
 * the next claim while the stale attempt's outcome is discarded.
 */
class DeliveryStatementsIT {

  private static HikariDataSource dataSource;
  private static JdbcClient jdbc;

  private final Instant now = Instant.now();
  private UUID endpoint;
  private UUID client;

  @BeforeAll
  static void migrate() {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    Flyway.configure()
        .dataSource(postgres.jdbcUrl(), PostgresServer.USER, "")
        .locations("classpath:db/migration")
        .load()
        .migrate();
    dataSource = new HikariDataSource();
    dataSource.setJdbcUrl(postgres.jdbcUrl());
    dataSource.setUsername(PostgresServer.USER);
    jdbc = JdbcClient.create(dataSource);
  }

  @AfterAll
  static void close() {
    dataSource.close();
  }

  @BeforeEach
  void clientWithAnEndpoint() {
    // Only due rows of this test's endpoint matter: others' rows are made not due.
    jdbc.sql("UPDATE webhook_deliveries SET state = 'FAILED' WHERE state = 'PENDING'").update();
    client = UUID.randomUUID();
    jdbc.sql("INSERT INTO clients (id, name, created_at) VALUES (?, 'c', now())")
        .params(client)
        .update();
    endpoint = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO webhook_endpoints (id, client_id, url, event_types, secret, created_at)
            VALUES (?, ?, 'http://127.0.0.1:9/hook', ARRAY['TransactionCompleted'], 'whsec_x', now())
            """)
        .params(endpoint, client)
        .update();
  }

  @Test
  void aTransactionsDeliveriesToAnEndpointGoOneAtATimeInOrder() {
    UUID transaction = transaction();
    UUID first = delivery(transaction);
    UUID second = delivery(transaction);
    UUID other = delivery(transaction());

    assertThat(claim(now, 10))
        .extracting(DeliverySender.Claimed::id)
        .containsExactlyInAnyOrder(first, other);
    // While the first is being tried (or waits for its retry), the second waits too.
    assertThat(claim(now.plusSeconds(30), 10)).isEmpty();

    jdbc.sql(DeliveryStatements.DELIVERED)
        .param("id", first)
        .param("attempt", 1)
        .param("statusCode", 200)
        .param("now", utc(now))
        .update();
    assertThat(claim(now, 10)).extracting(DeliverySender.Claimed::id).containsExactly(second);
  }

  @Test
  void aLapsedLeaseHandsTheDeliveryOnAndTheStaleOutcomeIsDiscarded() {
    UUID delivery = delivery(transaction());
    assertThat(claim(now, 1))
        .singleElement()
        .extracting(DeliverySender.Claimed::attempt)
        .isEqualTo(1);
    assertThat(claim(now.plusSeconds(30), 1)).isEmpty();

    List<DeliverySender.Claimed> retaken = claim(now.plusSeconds(120), 1);
    assertThat(retaken).singleElement().extracting(DeliverySender.Claimed::attempt).isEqualTo(2);

    int stale =
        jdbc.sql(DeliveryStatements.DELIVERED)
            .param("id", delivery)
            .param("attempt", 1)
            .param("statusCode", 200)
            .param("now", utc(now))
            .update();
    assertThat(stale).isZero();
    assertThat(
            jdbc.sql("SELECT state FROM webhook_deliveries WHERE id = ?")
                .param(delivery)
                .query(String.class)
                .single())
        .isEqualTo("PENDING");
  }

  /** The claim as the sender runs it, at {@code at}, with a 60 s lease. */
  private List<DeliverySender.Claimed> claim(Instant at, int limit) {
    return jdbc
        .sql(DeliveryStatements.CLAIM)
        .param("now", utc(at))
        .param("leaseUntil", utc(at.plusSeconds(60)))
        .param("limit", limit)
        .query(DeliverySender::claimed)
        .list()
        .stream()
        .filter(claimed -> ownDelivery(claimed.id()))
        .toList();
  }

  private boolean ownDelivery(UUID delivery) {
    return jdbc.sql("SELECT endpoint_id FROM webhook_deliveries WHERE id = ?")
        .param(delivery)
        .query(UUID.class)
        .single()
        .equals(endpoint);
  }

  private UUID transaction() {
    UUID account = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO accounts (id, client_id, currency, opening_balance, balance, created_at, updated_at)
            VALUES (?, ?, 'EUR', 100, 100, now(), now())
            """)
        .params(account, client)
        .update();
    UUID id = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO transactions (id, client_id, account_id, state, amount, currency,
                creditor_name, creditor_iban, external_key, next_attempt_at, lease_until,
                created_at, updated_at)
            VALUES (?, ?, ?, 'COMPLETED', 1, 'EUR', 'n', 'DE89370400440532013000', ?, now(), now(),
                now(), now())
            """)
        .params(id, client, account, UUID.randomUUID().toString())
        .update();
    return id;
  }

  private UUID delivery(UUID transaction) {
    UUID id = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, transaction_id,
                payload, state, next_attempt_at, give_up_at, created_at)
            VALUES (?, ?, ?, 'TransactionCompleted', ?, '{}', 'PENDING', ?, ?, ?)
            """)
        .params(
            id,
            endpoint,
            UUID.randomUUID(),
            transaction,
            utc(now.minusSeconds(1)),
            utc(now.plus(Duration.ofDays(1))),
            utc(now))
        .update();
    return id;
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}

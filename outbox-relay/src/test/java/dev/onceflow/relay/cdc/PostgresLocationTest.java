package dev.onceflow.relay.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class PostgresLocationTest {

  @Test
  void readsHostPortAndDatabaseFromTheJdbcUrl() {
    assertThat(PostgresLocation.fromJdbcUrl("jdbc:postgresql://localhost:15432/onceflow"))
        .isEqualTo(new PostgresLocation("localhost", 15432, "onceflow"));
  }

  @Test
  void ignoresConnectionParameters() {
    assertThat(
            PostgresLocation.fromJdbcUrl(
                "jdbc:postgresql://db.internal:5433/payments?sslmode=require"))
        .isEqualTo(new PostgresLocation("db.internal", 5433, "payments"));
  }

  @Test
  void defaultsToPostgresPort() {
    assertThat(PostgresLocation.fromJdbcUrl("jdbc:postgresql://db/onceflow").port())
        .isEqualTo(5432);
  }

  @Test
  void acceptsIpv6Hosts() {
    assertThat(PostgresLocation.fromJdbcUrl("jdbc:postgresql://[::1]:15432/onceflow").host())
        .isEqualTo("::1");
  }

  @Test
  void refusesUrlsWithSeveralHosts() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> PostgresLocation.fromJdbcUrl("jdbc:postgresql://a:5432,b:5432/onceflow"));
  }

  @Test
  void refusesUrlsWithoutDatabase() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> PostgresLocation.fromJdbcUrl("jdbc:postgresql://localhost:5432/"));
  }

  @Test
  void refusesOtherDrivers() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> PostgresLocation.fromJdbcUrl("jdbc:mysql://localhost:3306/onceflow"));
  }
}

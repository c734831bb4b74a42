package dev.onceflow.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StateSqlTest {

  @Test
  void placeholdersBecomeTheStatesLiterals() {
    assertThat(
            StateSql.of("UPDATE t SET state = {PROCESSING} WHERE state IN ({PENDING}, {UNKNOWN})"))
        .isEqualTo("UPDATE t SET state = 'PROCESSING' WHERE state IN ('PENDING', 'UNKNOWN')");
  }

  @Test
  void aStateThatDoesNotExistIsRefused() {
    assertThatThrownBy(() -> StateSql.of("WHERE state = {SETTLED}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SETTLED");
  }

  @Test
  void textWithoutPlaceholdersIsLeftAlone() {
    assertThat(StateSql.of("SELECT '{}'::jsonb, :id")).isEqualTo("SELECT '{}'::jsonb, :id");
  }

  @Test
  void everyStatementOfTheStoreNamesOnlyRealStates() {
    // Loading the classes builds their statements: a misspelt state would fail here.
    assertThat(TransactionTransitions.CLAIM).contains("'PENDING'").doesNotContain("{");
    assertThat(AccountFunds.RESERVE).doesNotContain("{");
  }
}

package dev.onceflow.intake.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.intake.web.ApiException;
import org.junit.jupiter.api.Test;

class IdempotencyKeyHeaderTest {

  @Test
  void readsBareAndQuotedKeysAsTheSameKey() {
    assertThat(IdempotencyKeyHeader.parse("order-42")).isEqualTo("order-42");
    assertThat(IdempotencyKeyHeader.parse("\"order-42\"")).isEqualTo("order-42");
    assertThat(IdempotencyKeyHeader.parse("\"a\\\"b\"")).isEqualTo("a\"b");
  }

  @Test
  void refusesAQuotedKeyLeftOpenInsteadOfTakingTheQuoteAsPartOfTheKey() {
    assertThatThrownBy(() -> IdempotencyKeyHeader.parse("\"unterminated"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("closing");
    assertThatThrownBy(() -> IdempotencyKeyHeader.parse("\"")).isInstanceOf(ApiException.class);
  }

  @Test
  void refusesControlCharactersAndNonAscii() {
    for (String bad : new String[] {"k\u0000k", "k\tk", "kék", "k k", "", "x".repeat(256)}) {
      assertThatThrownBy(() -> IdempotencyKeyHeader.parse(bad)).as(bad).isInstanceOf(ApiException.class);
    }
  }
}

package dev.onceflow.intake.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.intake.refusal.Refusal;
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
        .isInstanceOf(Refusal.class)
        .hasMessageContaining("closing");
    assertThatThrownBy(() -> IdempotencyKeyHeader.parse("\"")).isInstanceOf(Refusal.class);
  }

  @Test
  void refusesControlCharactersAndNonAscii() {
    for (String bad : new String[] {"k\u0000k", "k\tk", "kék", "k k", "", "x".repeat(256)}) {
      assertThatThrownBy(() -> IdempotencyKeyHeader.parse(bad)).as(bad).isInstanceOf(Refusal.class);
    }
  }
}

package dev.onceflow.intake.admin;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.model.InvalidSettingException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AdminPropertiesTest {

  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void acceptsEveryKeyTheDocumentedCommandsGenerate() {
    // openssl rand -base64 32 and openssl rand -hex 32; a quarter of hex keys miss some digit.
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = new byte[32];
      RANDOM.nextBytes(bytes);
      String base64 = Base64.getEncoder().encodeToString(bytes);
      String hex = HexFormat.of().formatHex(bytes);
      assertThatCode(() -> new AdminProperties(base64, 1)).as(base64).doesNotThrowAnyException();
      assertThatCode(() -> new AdminProperties(hex, 1)).as(hex).doesNotThrowAnyException();
    }
  }

  @Test
  void acceptsAHexKeyWithElevenDistinctDigits() {
    // The fewest distinct digits seen in a million draws of openssl rand -hex 32.
    String key = "0123456789a".repeat(6).substring(0, 64);

    assertThatCode(() -> new AdminProperties(key, 1)).doesNotThrowAnyException();
  }

  @Test
  void refusesKeysThatCannotHoldThirtyTwoRandomBytes() {
    for (String weak :
        new String[] {"0123456789abcdef".repeat(2), "012345678".repeat(8), "ab".repeat(30)}) {
      assertThatThrownBy(() -> new AdminProperties(weak, 1))
          .as(weak)
          .isInstanceOf(InvalidSettingException.class)
          .hasMessageStartingWith("onceflow.admin.api-key is too weak");
    }
  }
}

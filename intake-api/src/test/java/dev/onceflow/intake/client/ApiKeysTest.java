package dev.onceflow.intake.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void generatesDistinctUrlSafeKeysOfTwoHundredFiftySixBits() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      keys.add(ApiKeys.generate());
    }

    assertThat(keys)
        .hasSize(100)
        .allSatisfy(key -> assertThat(key).matches("ofk_[A-Za-z0-9_-]{43}"));
  }

  @Test
  void matchesOnlyTheSameSecretWhateverTheLengths() {
    assertThat(ApiKeys.matches("local-admin-key", "local-admin-key")).isTrue();
    assertThat(ApiKeys.matches("local-admin-kex", "local-admin-key")).isFalse();
    assertThat(ApiKeys.matches("local", "local-admin-key")).isFalse();
    assertThat(ApiKeys.matches("", "local-admin-key")).isFalse();
  }

  @Test
  void storesKeysAsHexSha256() {
    assertThat(ApiKeys.hash("local-demo-key")).hasSize(64).matches("[0-9a-f]{64}");
  }
}

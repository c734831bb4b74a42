package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.console.ConsoleProperties.Role;
import dev.onceflow.console.ConsoleProperties.User;
import dev.onceflow.model.InvalidSettingException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

class ConsolePropertiesTest {

  private static final String HASH = new BCryptPasswordEncoder(4).encode("secret");

  @Test
  void takesUsersWithBcryptHashesAndKnownRoles() {
    ConsoleProperties properties =
        new ConsoleProperties(
            List.of(
                new User("alice", HASH, "OPERATOR"), new User("bob", "{bcrypt}" + HASH, "viewer")));

    assertThat(properties.users()).hasSize(2);
    assertThat(properties.users().get(0).access()).isEqualTo(Role.OPERATOR);
    assertThat(properties.users().get(1).access()).isEqualTo(Role.VIEWER);
    assertThat(properties.users().get(1).bcrypt()).isEqualTo(HASH);
    assertThat(new BCryptPasswordEncoder().matches("secret", properties.users().get(1).bcrypt()))
        .isTrue();
  }

  @Test
  void refusesToStartWithNoUser() {
    assertThatThrownBy(() -> new ConsoleProperties(List.of()))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("onceflow.console.users is empty")
        .hasMessageNotContaining("\n");
  }

  @Test
  void refusesAPlainPasswordOrAnotherHash() {
    for (String notBcrypt :
        List.of(
            "secret",
            "{noop}secret",
            "{sha256}" + "a".repeat(64),
            HASH.substring(0, HASH.length() - 1),
            HASH.replaceFirst("^\\$2a\\$04\\$", "\\$2a\\$03\\$"),
            HASH.replaceFirst("^\\$2a\\$", "\\$2x\\$"))) {
      assertThatThrownBy(
              () -> new ConsoleProperties(List.of(new User("alice", notBcrypt, "VIEWER"))),
              notBcrypt)
          .isInstanceOf(InvalidSettingException.class)
          .hasMessageStartingWith(
              "onceflow.console.users[0].password-hash of alice is not a bcrypt")
          .hasMessageNotContaining(notBcrypt)
          .hasMessageNotContaining("\n");
    }
    assertThatThrownBy(() -> new ConsoleProperties(List.of(new User("alice", null, "VIEWER"))))
        .hasMessageStartingWith("onceflow.console.users[0].password-hash of alice");
  }

  @Test
  void takesEachBcryptVersion() {
    String body = HASH.substring("$2a$04$".length());
    for (String version : List.of("2", "2a", "2b", "2y")) {
      assertThat(ConsoleProperties.isBcrypt("$" + version + "$12$" + body)).isTrue();
    }
    assertThat(ConsoleProperties.isBcrypt("$2a$31$" + body)).isTrue();
    assertThat(ConsoleProperties.isBcrypt("$2a$32$" + body)).isFalse();
  }

  @Test
  void refusesAnUnknownOrMissingRole() {
    assertThatThrownBy(() -> new ConsoleProperties(List.of(new User("alice", HASH, "ADMIN"))))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("onceflow.console.users[0].role of alice must be VIEWER or OPERATOR, is ADMIN");
    assertThatThrownBy(() -> new ConsoleProperties(List.of(new User("alice", HASH, null))))
        .hasMessage(
            "onceflow.console.users[0].role of alice must be VIEWER or OPERATOR, is not set");
  }

  @Test
  void refusesANameTheAuditCannotCarryOrOneTakenRegardlessOfCase() {
    assertThatThrownBy(
            () -> new ConsoleProperties(List.of(new User("alice smith", HASH, "VIEWER"))))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("onceflow.console.users[0].name must be 1 to 64");
    assertThatThrownBy(() -> new ConsoleProperties(List.of(new User(null, HASH, "VIEWER"))))
        .isInstanceOf(InvalidSettingException.class);
    assertThatThrownBy(
            () ->
                new ConsoleProperties(
                    List.of(
                        new User("alice", HASH, "VIEWER"), new User("Alice", HASH, "OPERATOR"))))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("onceflow.console.users[1].name Alice is already another user's");
  }
}

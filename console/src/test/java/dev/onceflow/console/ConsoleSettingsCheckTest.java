package dev.onceflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.onceflow.model.InvalidSettingException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/** The users bind from the documented property names, and a bad one fails with the rule. */
class ConsoleSettingsCheckTest {

  private static final String HASH = new BCryptPasswordEncoder(4).encode("secret");

  private static ConsoleProperties bind(Map<String, String> settings) {
    return new Binder(new MapConfigurationPropertySource(settings))
        .bindOrCreate(ConsoleProperties.PREFIX, Bindable.of(ConsoleProperties.class));
  }

  @Test
  void bindsUsersFromTheirPropertyNames() {
    ConsoleProperties properties =
        bind(
            Map.of(
                "onceflow.console.users[0].name", "alice",
                "onceflow.console.users[0].password-hash", HASH,
                "onceflow.console.users[0].role", "OPERATOR",
                "onceflow.console.users[1].name", "bob",
                "onceflow.console.users[1].password-hash", HASH,
                "onceflow.console.users[1].role", "VIEWER"));

    assertThat(properties.users())
        .extracting(ConsoleProperties.User::name, ConsoleProperties.User::access)
        .containsExactly(
            tuple("alice", ConsoleProperties.Role.OPERATOR),
            tuple("bob", ConsoleProperties.Role.VIEWER));
  }

  @Test
  void noUserConfiguredFailsWithTheRule() {
    assertThatThrownBy(() -> bind(Map.of()))
        .hasRootCauseInstanceOf(InvalidSettingException.class)
        .rootCause()
        .hasMessageStartingWith("onceflow.console.users is empty");
  }

  @Test
  void aPlainPasswordFailsWithTheRule() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of(
                        "onceflow.console.users[0].name", "alice",
                        "onceflow.console.users[0].password-hash", "secret",
                        "onceflow.console.users[0].role", "OPERATOR")))
        .hasRootCauseInstanceOf(InvalidSettingException.class)
        .rootCause()
        .hasMessageStartingWith("onceflow.console.users[0].password-hash of alice is not a bcrypt");
  }
}

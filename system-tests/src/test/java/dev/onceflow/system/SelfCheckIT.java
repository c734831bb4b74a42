package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar onceflow-local.jar --self-check}, as a user runs it to see that an installation
 * works: a whole stack on free ports, one demo payment through it, a clean stop, and nothing left
 * behind.
 */
class SelfCheckIT {

  private final Path logs = Files.createTempDirectory("onceflow-self-check-it");

  SelfCheckIT() throws Exception {}

  @Test
  void paysOneDemoPaymentEndToEndThenExitsZeroAndRemovesItsTemporaryData() throws Exception {
    JarProcess check = JarProcess.of("self-check", logs, "1g", List.of("--self-check")).start();

    assertThat(check.awaitExit(Duration.ofMinutes(3)))
        .as("exit code; see %s", check.log())
        .isZero();

    String log = Files.readString(check.log());
    assertThat(log).containsPattern("self-check passed: ready in \\d+ ms, payment \\S+ COMPLETED");
    Matcher dataDirectory =
        Pattern.compile("data in (\\S*onceflow-self-check-\\d+)\\)").matcher(log);
    assertThat(dataDirectory.find()).as("the log names the temporary data directory").isTrue();
    assertThat(Path.of(dataDirectory.group(1))).doesNotExist();
  }

  @Test
  void refusesToRunWithoutTheServicesWithAOneLineMessage() throws Exception {
    JarProcess check =
        JarProcess.of(
                "self-check-infra-only", logs, "256m", List.of("--self-check", "--infra-only"))
            .start();

    assertThat(check.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(Files.readString(check.log()).strip())
        .isEqualTo(
            "onceflow-local: --self-check needs the services; it cannot be combined with --infra-only");
  }
}

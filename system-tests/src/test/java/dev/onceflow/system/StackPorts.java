package dev.onceflow.system;

import dev.onceflow.testing.SharedTestInfrastructure;
import java.util.ArrayList;
import java.util.List;

/**
 * A free local port for each of the local stack's listeners, and the flags that give them to it.
 */
record StackPorts(
    int postgres,
    int kafka,
    int kafkaController,
    int intake,
    int bank,
    int worker,
    int relay,
    int intakeManagement,
    int webhook,
    int console) {

  static StackPorts free() {
    return new StackPorts(
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort(),
        SharedTestInfrastructure.freePort());
  }

  /** The local stack's port flags followed by {@code others}. */
  String[] with(String... others) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--postgres-port=" + postgres,
                "--kafka-port=" + kafka,
                "--kafka-controller-port=" + kafkaController,
                "--intake-port=" + intake,
                "--bank-port=" + bank,
                "--worker-port=" + worker,
                "--relay-port=" + relay,
                "--intake-management-port=" + intakeManagement,
                "--webhook-port=" + webhook,
                "--console-port=" + console));
    flags.addAll(List.of(others));
    return flags.toArray(String[]::new);
  }
}

package dev.onceflow.bank.fault;

import dev.onceflow.bank.SimulatorProperties;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The faults in force: the start-up properties until someone replaces them with PUT /faults. */
@Component
public class FaultSettings {

  private static final Logger log = LoggerFactory.getLogger(FaultSettings.class);

  private final AtomicReference<Faults> current = new AtomicReference<>(Faults.NONE);

  public FaultSettings(SimulatorProperties properties) {
    Faults configured = properties.faults();
    List<String> problems = configured.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "Invalid onceflow.simulator.faults: " + String.join("; ", problems));
    }
    current.set(configured);
  }

  public Faults current() {
    return current.get();
  }

  /**
   * Replaces the faults in force, if they are valid.
   *
   * @return what is wrong with them; empty when they were applied
   */
  public List<String> replace(Faults faults) {
    List<String> problems = faults.problems();
    if (problems.isEmpty()) {
      current.set(faults);
      log.info("Faults now {}", faults);
    }
    return problems;
  }
}

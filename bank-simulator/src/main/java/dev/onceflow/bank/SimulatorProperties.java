package dev.onceflow.bank;

import dev.onceflow.bank.fault.Faults;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param journal file the ledger is appended to and reloaded from; none keeps it in memory only
 * @param faults the faults in force at start-up ({@code onceflow.simulator.faults.*}); none by
 *     default, and {@code PUT /faults} replaces them at run time
 * @param seed seeds the fault dice, for a reproducible sequence of draws; none draws afresh
 */
@ConfigurationProperties("onceflow.simulator")
public record SimulatorProperties(Path journal, @DefaultValue Faults faults, Long seed) {}

package dev.onceflow.bank.payment;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param journal file the ledger is appended to and reloaded from; none keeps it in memory only
 */
@ConfigurationProperties("onceflow.simulator")
public record SimulatorProperties(Path journal) {}

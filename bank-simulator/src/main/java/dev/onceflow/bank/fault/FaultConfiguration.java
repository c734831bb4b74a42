package dev.onceflow.bank.fault;

import dev.onceflow.bank.SimulatorProperties;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class FaultConfiguration {

  /**
   * The dice of fault injection. A test registers its own {@code faultRandom} before the context
   * refreshes to script every draw. java.util.Random, because request threads share it.
   */
  @Bean
  @ConditionalOnMissingBean(name = "faultRandom")
  RandomGenerator faultRandom(SimulatorProperties properties) {
    return properties.seed() == null ? new Random() : new Random(properties.seed());
  }
}

package dev.onceflow.webhook.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

@Configuration(proxyBeanMethods = false)
class FanOutConfiguration {

  private static final Logger log = LoggerFactory.getLogger(FanOutConfiguration.class);

  /**
   * An event whose deliveries cannot be recorded (the database out of reach, say) is retried until
   * they are, holding back its partition: skipping it, as Spring Kafka's default does after ten
   * tries, would lose its webhooks. Only a record that is not an event at all is skipped.
   */
  @Bean
  CommonErrorHandler fanOutErrorHandler() {
    ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
    backOff.setMaxInterval(10_000);
    DefaultErrorHandler handler =
        new DefaultErrorHandler(
            (record, e) ->
                log.error(
                    "Skipping record {}-{}@{}: not an event ({})",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.getMessage()),
            backOff);
    handler.addNotRetryableExceptions(JacksonException.class, IllegalArgumentException.class);
    return handler;
  }
}

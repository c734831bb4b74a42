package dev.onceflow.worker.settlement;

import dev.onceflow.model.Topics;
import dev.onceflow.worker.WorkerProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

@Configuration(proxyBeanMethods = false)
class SettlementConfiguration {

  private static final Logger log = LoggerFactory.getLogger(SettlementConfiguration.class);

  @Bean
  RetryPolicy retryPolicy(WorkerProperties worker) {
    WorkerProperties.Retry retry = worker.retry();
    return new RetryPolicy(retry.base(), retry.cap(), retry.budget());
  }

  @Bean
  NewTopic transactionRequestedDeadLetterTopic() {
    return TopicBuilder.name(Topics.TRANSACTION_REQUESTED_DEAD_LETTER).partitions(1).build();
  }

  @Bean
  ConcurrentKafkaListenerContainerFactory<Object, Object> kafkaListenerContainerFactory(
      ConcurrentKafkaListenerContainerFactoryConfigurer configurer,
      ConsumerFactory<Object, Object> consumerFactory,
      SettlementMetrics metrics) {
    ConcurrentKafkaListenerContainerFactory<Object, Object> factory =
        new ConcurrentKafkaListenerContainerFactory<>();
    configurer.configure(factory, consumerFactory);
    // Set after the configurer, so no spring.kafka.listener.ack-mode can turn it back to
    // committing offsets before the DB outcome is committed.
    factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.MANUAL);
    factory.setCommonErrorHandler(errorHandler(metrics));
    return factory;
  }

  /**
   * What a listener exception gets (the DB is unreachable, a bug): the record is retried with
   * backoff for about a minute, then skipped. Skipping loses nothing: the row keeps its state and
   * lease in the DB, and the recovery sweeper enqueues it again once the lease has run out.
   */
  private static DefaultErrorHandler errorHandler(SettlementMetrics metrics) {
    ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
    backOff.setMaxInterval(10_000);
    backOff.setMaxElapsedTime(60_000);
    return new DefaultErrorHandler(
        (record, exception) -> {
          log.error(
              "Giving up on {}-{}@{} (key {}); the recovery sweeper will re-drive its transaction",
              record.topic(),
              record.partition(),
              record.offset(),
              record.key(),
              exception);
          metrics.unprocessed();
        },
        backOff);
  }
}

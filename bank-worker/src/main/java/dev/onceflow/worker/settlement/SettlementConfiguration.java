package dev.onceflow.worker.settlement;

import dev.onceflow.model.Topics;
import dev.onceflow.worker.WorkerProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

@Configuration(proxyBeanMethods = false)
class SettlementConfiguration {

  @Bean
  RetryPolicy retryPolicy(WorkerProperties worker) {
    WorkerProperties.Retry retry = worker.retry();
    return new RetryPolicy(retry.base(), retry.cap(), retry.budget());
  }

  @Bean
  NewTopic transactionRequestedDeadLetterTopic() {
    return TopicBuilder.name(Topics.TRANSACTION_REQUESTED_DEAD_LETTER).partitions(1).build();
  }
}

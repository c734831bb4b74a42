package dev.onceflow.store;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The store for a service's Spring context, on its JdbcClient, with its tracer's context on events.
 */
@Configuration(proxyBeanMethods = false)
public class TransactionStoreConfiguration {

  @Bean
  TransactionTransitions transactionTransitions(JdbcClient jdbc) {
    return new TransactionTransitions(jdbc);
  }

  @Bean
  BankCalls bankCalls(JdbcClient jdbc) {
    return new BankCalls(jdbc);
  }

  @Bean
  TransactionHistory transactionHistory(JdbcClient jdbc) {
    return new TransactionHistory(jdbc);
  }

  @Bean
  IdempotencyKeys idempotencyKeys(JdbcClient jdbc) {
    return new IdempotencyKeys(jdbc);
  }

  @Bean
  AccountFunds accountFunds(JdbcClient jdbc) {
    return new AccountFunds(jdbc);
  }

  @Bean
  OutboxWriter outboxWriter(
      JdbcClient jdbc, JsonMapper json, Tracer tracer, ObjectProvider<Propagator> propagator) {
    // With tracing switched off Spring Boot provides a no-op Tracer but no Propagator.
    return new OutboxWriter(
        jdbc, json, SpanContextSource.of(tracer, propagator.getIfAvailable(() -> Propagator.NOOP)));
  }

  @Bean
  PaymentOutcomes paymentOutcomes(
      TransactionTransitions transactions, AccountFunds funds, OutboxWriter outbox) {
    return new PaymentOutcomes(transactions, funds, outbox);
  }
}

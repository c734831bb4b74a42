package dev.onceflow.infra;

/** A Kafka cluster that Onceflow's services and tests can use. */
public interface KafkaBroker {

  /** The {@code bootstrap.servers} value for clients. */
  String bootstrapServers();
}

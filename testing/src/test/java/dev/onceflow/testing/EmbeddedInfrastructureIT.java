package dev.onceflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.infra.PostgresServer;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedInfrastructureIT {

  @Test
  void postgresIsReadyForLogicalReplicationWithDurableCommits() throws Exception {
    PostgresServer postgres = SharedTestInfrastructure.postgres();
    try (var connection = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, "");
        var statement = connection.createStatement()) {
      var walLevel = statement.executeQuery("SHOW wal_level");
      walLevel.next();
      assertThat(walLevel.getString(1)).isEqualTo("logical");
      var synchronousCommit = statement.executeQuery("SHOW synchronous_commit");
      synchronousCommit.next();
      assertThat(synchronousCommit.getString(1)).isEqualTo("on");
    }
  }

  @Test
  void kafkaBrokerAcceptsAndDeliversRecords() {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    Map<String, Object> producerConfig =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class);
    try (var producer = new KafkaProducer<String, String>(producerConfig)) {
      producer.send(new ProducerRecord<>("infra-check", "k", "v")).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Map<String, Object> consumerConfig =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "infra-check",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class);
    try (var consumer = new KafkaConsumer<String, String>(consumerConfig)) {
      consumer.subscribe(List.of("infra-check"));
      ConsumerRecords<String, String> records = ConsumerRecords.empty();
      for (int i = 0; i < 30 && records.isEmpty(); i++) {
        records = consumer.poll(Duration.ofSeconds(1));
      }
      assertThat(records.count()).isEqualTo(1);
      var record = records.iterator().next();
      assertThat(record.key()).isEqualTo("k");
      assertThat(record.value()).isEqualTo("v");
    }
  }
}

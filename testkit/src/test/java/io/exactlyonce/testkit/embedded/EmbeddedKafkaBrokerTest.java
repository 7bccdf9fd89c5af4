package io.exactlyonce.testkit.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.time.Deadline;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    private static final String TOPIC = "events";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @TempDir Path workDir;

    @Test
    void committedRecordsSurviveAHardKillAndRestart() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(workDir)) {
            broker.createTopic(TOPIC, 2, java.util.Map.of());
            try (KafkaProducer<String, String> producer =
                    transactionalProducer(broker, "writer", Duration.ofMinutes(1))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "committed"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
            }
            assertThat(readCommitted(broker)).containsExactly("committed");

            long killedPid = broker.pid();
            broker.kill();

            assertThat(broker.isRunning()).isFalse();
            assertThat(ProcessHandle.of(killedPid).filter(ProcessHandle::isAlive)).isEmpty();
            assertProduceTimesOut(broker);

            broker.restart();

            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.pid()).isNotEqualTo(killedPid);
            assertThat(readCommitted(broker)).containsExactly("committed");
            // The transaction coordinator recovered its state: the same id can commit again.
            try (KafkaProducer<String, String> producer =
                    transactionalProducer(broker, "writer", Duration.ofMinutes(1))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k", "after restart"));
                producer.commitTransaction();
            }
            assertThat(readCommitted(broker)).containsExactly("committed", "after restart");
        }
    }

    @Test
    void refusesTransactionTimeoutsAboveTheConfiguredMaximum() {
        Duration max = Duration.ofMinutes(2);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(workDir, max)) {
            try (KafkaProducer<String, String> producer =
                    transactionalProducer(broker, "at-max", max)) {
                producer.initTransactions();
            }
            try (KafkaProducer<String, String> producer =
                    transactionalProducer(broker, "above-max", max.plusMillis(1))) {
                // The client reports INVALID_TRANSACTION_TIMEOUT as a plain KafkaException.
                assertThatThrownBy(producer::initTransactions)
                        .isInstanceOf(KafkaException.class)
                        .hasMessageContaining("transaction.max.timeout.ms");
            }
        }
    }

    /** A client of a dead broker fails within its own timeouts instead of hanging. */
    private static void assertProduceTimesOut(EmbeddedKafkaBroker broker) {
        Map<String, Object> config = clientConfig(broker);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2_000);
        KafkaProducer<String, String> producer =
                new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
        try {
            long start = System.nanoTime();
            assertThatThrownBy(
                            () ->
                                    producer.send(new ProducerRecord<>(TOPIC, "k", "lost"))
                                            .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(10));
        } finally {
            producer.close(Duration.ZERO);
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(
            EmbeddedKafkaBroker broker, String transactionalId, Duration transactionTimeout) {
        Map<String, Object> config = clientConfig(broker);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Every value up to the last stable offset, as a read_committed consumer sees them. */
    private static List<String> readCommitted(EmbeddedKafkaBroker broker) {
        Map<String, Object> config = clientConfig(broker);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(TOPIC).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, the end offsets are the last stable offsets.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);

            List<String> values = new ArrayList<>();
            Deadline deadline = Deadline.fromNow(READ_TIMEOUT);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (!deadline.hasTimeLeft()) {
                    fail("Read only %s of %s within %s", values, TOPIC, READ_TIMEOUT);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
            }
            return values;
        }
    }

    private static Map<String, Object> clientConfig(EmbeddedKafkaBroker broker) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return config;
    }
}

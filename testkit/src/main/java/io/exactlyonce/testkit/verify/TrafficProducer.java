package io.exactlyonce.testkit.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces planned traffic at a steady rate, so a job under test is mid-stream when a fault
 * strikes, and records where each record landed. Idempotent, so a retried send never duplicates
 * input and the oracle stays exact.
 */
public final class TrafficProducer {

    private static final int TICKS_PER_SECOND = 10;

    private TrafficProducer() {}

    /**
     * Starts producing in the background; the future completes with every record's position once
     * all are acknowledged, or fails with the first send error.
     */
    public static CompletableFuture<List<ProducedRecord>> produce(
            String bootstrapServers,
            String topic,
            List<PlannedRecord> planned,
            int recordsPerSecond) {
        return produce(bootstrapServers, Map.of(), topic, planned, recordsPerSecond);
    }

    /** The same, through a broker that asks for TLS or SASL: {@code security} says how. */
    public static CompletableFuture<List<ProducedRecord>> produce(
            String bootstrapServers,
            Map<String, String> security,
            String topic,
            List<PlannedRecord> planned,
            int recordsPerSecond) {
        Properties properties = properties(bootstrapServers);
        properties.putAll(security);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties);
        ScheduledExecutorService ticker =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread thread = new Thread(r, "traffic-producer");
                            thread.setDaemon(true);
                            return thread;
                        });
        CompletableFuture<List<ProducedRecord>> done = new CompletableFuture<>();
        List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>(planned.size());
        int perTick = Math.max(1, recordsPerSecond / TICKS_PER_SECOND);
        int[] next = {0};
        ScheduledFuture<?>[] schedule = new ScheduledFuture<?>[1];
        schedule[0] =
                ticker.scheduleAtFixedRate(
                        () -> {
                            try {
                                int end = Math.min(planned.size(), next[0] + perTick);
                                for (; next[0] < end; next[0]++) {
                                    acks.add(send(producer, topic, planned.get(next[0])));
                                }
                                if (next[0] == planned.size()) {
                                    schedule[0].cancel(false);
                                    producer.flush();
                                    List<ProducedRecord> positions =
                                            new ArrayList<>(planned.size());
                                    for (int i = 0; i < planned.size(); i++) {
                                        RecordMetadata ack = acks.get(i).join();
                                        positions.add(
                                                new ProducedRecord(
                                                        ack.partition(),
                                                        ack.offset(),
                                                        planned.get(i).expectation()));
                                    }
                                    done.complete(Collections.unmodifiableList(positions));
                                }
                            } catch (RuntimeException e) {
                                done.completeExceptionally(e);
                                schedule[0].cancel(false);
                            }
                        },
                        0,
                        1000 / TICKS_PER_SECOND,
                        TimeUnit.MILLISECONDS);
        return done.whenComplete(
                (positions, error) -> {
                    ticker.shutdown();
                    producer.close();
                });
    }

    private static CompletableFuture<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer, String topic, PlannedRecord record) {
        CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
        producer.send(
                new ProducerRecord<>(topic, null, record.timestamp(), record.key(), record.value()),
                (metadata, error) -> {
                    if (error != null) {
                        ack.completeExceptionally(error);
                    } else {
                        ack.complete(metadata);
                    }
                });
        return ack;
    }

    private static Properties properties(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }
}

package io.exactlyonce.bench;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes a scenario's input once, before any system runs, so every system reads the same bytes:
 * valid visits keyed by user id, in event-time order per partition with jitter below the
 * out-of-orderness bound (none is late), and at the end of each partition one visit of a flush user
 * dated well after the last window. That visit closes the last windows for a system that fires on
 * event time alone (Kafka Streams); the job's bounded source fires them at its end.
 */
public final class InputGenerator {

    /** Visits arrive at most this much earlier than their place in the stream. */
    static final Duration JITTER = Duration.ofSeconds(2);

    private InputGenerator() {}

    public static Oracle produce(
            String bootstrapServers,
            String registryUrl,
            String topic,
            int partitions,
            Scenario scenario,
            Duration windowSize,
            long seed) {
        long windowMillis = windowSize.toMillis();
        // Recent enough for the broker's retention, far enough back that the flush visits are
        // not in the future.
        long now =
                System.currentTimeMillis()
                        - Duration.ofMinutes(10).toMillis()
                        - windowMillis * (scenario.windows() + 2L);
        long start = now - now % windowMillis;
        Oracle oracle = new Oracle(scenario, start, windowMillis);
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(
                Map.of("schema.registry.url", registryUrl, "auto.register.schemas", "true"), false);
        SplittableRandom random = new SplittableRandom(seed);
        Random pages = new Random(seed);
        long span = windowMillis * scenario.windows();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(properties(bootstrapServers))) {
            for (long i = 0; i < scenario.visits(); i++) {
                long base = start + (long) ((double) span * i / scenario.visits());
                long eventTime = Math.max(start, base - random.nextLong(JITTER.toMillis()));
                int user = random.nextInt(scenario.users());
                String userId = Oracle.userId(user);
                oracle.addVisit(user, userId, eventTime);
                send(
                        producer,
                        new ProducerRecord<>(
                                topic,
                                null,
                                base,
                                userId.getBytes(StandardCharsets.UTF_8),
                                serializer.serialize(
                                        topic,
                                        VisitTraffic.event("e" + i, userId, eventTime, pages))),
                        failure);
                oracle.addRecord();
            }
            long flushTime = start + span + Duration.ofMinutes(5).toMillis();
            for (int p = 0; p < partitions; p++) {
                String userId = Oracle.FLUSH_USER_PREFIX + p;
                send(
                        producer,
                        new ProducerRecord<>(
                                topic,
                                p,
                                flushTime,
                                userId.getBytes(StandardCharsets.UTF_8),
                                serializer.serialize(
                                        topic,
                                        VisitTraffic.event(
                                                "flush-" + p, userId, flushTime, pages))),
                        failure);
                oracle.addRecord();
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing the input failed", failure.get());
        }
        return oracle;
    }

    /**
     * Sends one record; a send that failed before stops the writing here, since the broker may
     * already miss records that later ones depend on.
     */
    static void send(
            KafkaProducer<byte[], byte[]> producer,
            ProducerRecord<byte[], byte[]> record,
            AtomicReference<Exception> failure) {
        if (failure.get() != null) {
            throw new IllegalStateException("producing the input failed", failure.get());
        }
        producer.send(
                record,
                (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
    }

    static Properties properties(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }
}

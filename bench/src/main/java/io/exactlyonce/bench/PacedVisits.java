package io.exactlyonce.bench;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Live input for the latency runs: visits written at a steady rate for a while, each dated now less
 * up to {@link InputGenerator#JITTER} (below the out-of-orderness, so none is late), keyed by one
 * of {@code users} users. It counts each user's visits per window: the rows and counts each
 * window's output must have.
 */
final class PacedVisits {

    /**
     * What was written: per window (by its end), each user's visits; and the rate reached.
     *
     * @param lastSendMillis when the last visit was handed to the producer; nothing written is
     *     dated later
     */
    record Written(
            Map<Long, int[]> visitsPerWindowEnd,
            long visits,
            long startMillis,
            long lastSendMillis,
            long endMillis) {

        double visitsPerSecond() {
            return visits / ((endMillis - startMillis) / 1000.0);
        }

        /** How many users visited the window ending at {@code end}: the rows it must have. */
        int usersIn(long end) {
            return (int) Arrays.stream(visitsPerWindowEnd.get(end)).filter(n -> n > 0).count();
        }
    }

    private PacedVisits() {}

    /**
     * Writes visits at {@code rate} per second (or as fast as this JVM can, if that is less) for
     * {@code duration}, then flushes.
     */
    static Written write(
            String bootstrapServers,
            String registryUrl,
            String topic,
            int users,
            long rate,
            Duration duration,
            Duration windowSize,
            long seed) {
        long windowMillis = windowSize.toMillis();
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(
                Map.of("schema.registry.url", registryUrl, "auto.register.schemas", "true"), false);
        SplittableRandom random = new SplittableRandom(seed);
        Random pages = new Random(seed);
        Map<Long, int[]> visitsPerWindowEnd = new TreeMap<>();
        long lastSendMillis = 0;
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        // Every run starts at a window's start, so runs measure windows at the same distance from
        // their start and compare like for like.
        long startMillis = nextWindowStart(windowMillis);
        long startNanos = System.nanoTime();
        long durationNanos = duration.toNanos();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(InputGenerator.properties(bootstrapServers))) {
            long elapsed;
            while ((elapsed = System.nanoTime() - startNanos) < durationNanos) {
                long due = (long) (rate * (elapsed / 1e9));
                if (sent >= due) {
                    // Ahead of the rate: wait a millisecond rather than spin on a core the job
                    // needs.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    continue;
                }
                for (; sent < due; sent++) {
                    long now = System.currentTimeMillis();
                    long eventTime = now - random.nextLong(InputGenerator.JITTER.toMillis());
                    int user = random.nextInt(users);
                    String userId = Oracle.userId(user);
                    long windowEnd =
                            eventTime - Math.floorMod(eventTime, windowMillis) + windowMillis;
                    visitsPerWindowEnd.computeIfAbsent(windowEnd, end -> new int[users])[user]++;
                    lastSendMillis = now;
                    InputGenerator.send(
                            producer,
                            new ProducerRecord<>(
                                    topic,
                                    null,
                                    now,
                                    userId.getBytes(StandardCharsets.UTF_8),
                                    serializer.serialize(
                                            topic,
                                            VisitTraffic.event(
                                                    "v" + sent, userId, eventTime, pages))),
                            failure);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing visits failed", failure.get());
        }
        return new Written(
                visitsPerWindowEnd, sent, startMillis, lastSendMillis, System.currentTimeMillis());
    }

    private static long nextWindowStart(long windowMillis) {
        long now = System.currentTimeMillis();
        long start = now - now % windowMillis + windowMillis;
        while ((now = System.currentTimeMillis()) < start) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(start - now));
        }
        return start;
    }
}

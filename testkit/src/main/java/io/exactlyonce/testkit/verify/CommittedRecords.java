package io.exactlyonce.testkit.verify;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what a topic holds as a {@code read_committed} consumer sees it: nothing aborted or open.
 */
public final class CommittedRecords {

    private static final Duration POLL = Duration.ofMillis(200);

    private CommittedRecords() {}

    /** Every committed record of {@code topic}, from the beginning up to the last stable offset. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, String topic, Duration timeout) {
        return readAll(bootstrapServers, Map.of(), topic, timeout);
    }

    /** The same, through a broker that asks for TLS or SASL: {@code security} says how. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, Map<String, String> security, String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        forEach(bootstrapServers, security, topic, null, timeout, Progress.NONE, records::add);
        return records;
    }

    /** How far a read has come, e.g. for a progress bar: in offsets, not records. */
    public interface Progress {

        Progress NONE = new Progress() {};

        /** The read of {@code topic} covers this many offsets. */
        default void starting(String topic, long offsets) {}

        /** This many more offsets of it were passed (records, and markers of transactions). */
        default void advanced(long offsets) {}
    }

    /**
     * Hands every committed record of {@code topic} to {@code each}, from the first record with a
     * timestamp at or after {@code fromTimestamp} (from the beginning if null) up to the last
     * stable offset at the start of the read. Every record before that start has an earlier
     * timestamp: Kafka's time index guarantees it, also for timestamps the producer set.
     *
     * @param stallTimeout how long the read may go without progress before it fails
     * @throws IllegalStateException if the topic does not exist or the read stalls
     */
    public static void forEach(
            String bootstrapServers,
            Map<String, String> security,
            String topic,
            Long fromTimestamp,
            Duration stallTimeout,
            Progress progress,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties properties = new Properties();
        properties.putAll(security);
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic, stallTimeout).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toList());
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            // For a read_committed consumer the end offset is the last stable offset.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, stallTimeout);
            Map<TopicPartition, Long> start =
                    startOffsets(consumer, partitions, fromTimestamp, end, stallTimeout);
            start.forEach(consumer::seek);
            progress.starting(
                    topic, partitions.stream().mapToLong(p -> end.get(p) - start.get(p)).sum());
            long passed = 0;
            long deadline = System.nanoTime() + stallTimeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read "
                                    + topic
                                    + " to its end: no progress for "
                                    + stallTimeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() < end.get(new TopicPartition(topic, record.partition()))) {
                        each.accept(record);
                    }
                }
                long now =
                        partitions.stream()
                                .mapToLong(
                                        p ->
                                                Math.min(consumer.position(p), end.get(p))
                                                        - start.get(p))
                                .sum();
                if (now > passed) {
                    progress.advanced(now - passed);
                    passed = now;
                    deadline = System.nanoTime() + stallTimeout.toNanos();
                }
            }
        }
    }

    private static Map<TopicPartition, Long> startOffsets(
            KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions,
            Long fromTimestamp,
            Map<TopicPartition, Long> end,
            Duration timeout) {
        Map<TopicPartition, Long> start =
                new HashMap<>(consumer.beginningOffsets(partitions, timeout));
        if (fromTimestamp != null) {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, Math.max(0, fromTimestamp)));
            consumer.offsetsForTimes(query, timeout)
                    .forEach(
                            (partition, found) ->
                                    // Nothing at or after the timestamp: none of it is read.
                                    start.put(
                                            partition,
                                            found == null
                                                    ? end.get(partition)
                                                    : Math.max(
                                                            found.offset(), start.get(partition))));
        }
        // A found offset may lie in a transaction still open, past the last stable offset.
        start.replaceAll((partition, offset) -> Math.min(offset, end.get(partition)));
        return start;
    }

    private static boolean reached(
            KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Transactions the broker still holds open or half-finished, by transactional id. */
    public static List<String> unfinishedTransactions(String bootstrapServers) throws Exception {
        return unfinishedTransactions(bootstrapServers, Map.of());
    }

    /** The same, through a broker that asks for TLS or SASL: {@code security} says how. */
    public static List<String> unfinishedTransactions(
            String bootstrapServers, Map<String, String> security) throws Exception {
        return transactions(
                bootstrapServers,
                security,
                new ListTransactionsOptions()
                        .filterStates(
                                Set.of(
                                        TransactionState.ONGOING,
                                        TransactionState.PREPARE_COMMIT,
                                        TransactionState.PREPARE_ABORT)));
    }

    /** Every transactional id the broker knows, in any state, finished ones included. */
    public static List<String> knownTransactions(String bootstrapServers) throws Exception {
        return transactions(bootstrapServers, Map.of(), new ListTransactionsOptions());
    }

    private static List<String> transactions(
            String bootstrapServers, Map<String, String> security, ListTransactionsOptions options)
            throws Exception {
        Properties properties = new Properties();
        properties.putAll(security);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            return admin.listTransactions(options).all().get().stream()
                    .map(TransactionListing::transactionalId)
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /**
     * The broker's description of each of {@code transactionalIds}: its state (an abort shows as
     * {@code COMPLETE_ABORT}) and producer epoch (the broker bumps it when it aborts on timeout).
     */
    public static Map<String, TransactionDescription> describeTransactions(
            String bootstrapServers, Collection<String> transactionalIds) throws Exception {
        return describeTransactions(bootstrapServers, Map.of(), transactionalIds);
    }

    /** The same, through a broker that asks for TLS or SASL: {@code security} says how. */
    public static Map<String, TransactionDescription> describeTransactions(
            String bootstrapServers,
            Map<String, String> security,
            Collection<String> transactionalIds)
            throws Exception {
        Properties properties = new Properties();
        properties.putAll(security);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            return Map.copyOf(admin.describeTransactions(transactionalIds).all().get());
        }
    }
}

package io.exactlyonce.bench;

import static org.awaitility.Awaitility.await;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.RawRecord;
import io.exactlyonce.pipeline.operators.VisitDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The peer: the same count written as a Kafka Streams application with {@code exactly_once_v2}. It
 * decodes the same bytes with the job's own decoder, counts per (user, window) in tumbling windows
 * whose grace is the job's out-of-orderness, and emits one final count per window when it closes
 * (suppressed until then: the public API's way to a final result), in the job's Avro output format.
 * Input records are keyed by user id, so the count needs no repartition topic. The commit interval
 * is the job's checkpoint interval.
 *
 * <p>The run is over when the application's committed offsets reach the end of the input: with
 * exactly-once, offsets commit in the same transaction as the output they led to.
 */
final class KafkaStreamsPeer {

    private static final java.time.Duration RUN_TIMEOUT = java.time.Duration.ofMinutes(30);

    private KafkaStreamsPeer() {}

    static SystemRun.Decoded run(RunSpec spec) throws Exception {
        JobSettings config = spec.jobSettings();
        Topology topology = topology(spec, config);
        try (KafkaStreams streams = new KafkaStreams(topology, properties(spec));
                Admin admin =
                        Admin.create(
                                Map.of(
                                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                        spec.bootstrapServers()))) {
            Map<TopicPartition, Long> end = endOffsets(admin, spec);
            streams.start();
            await("Kafka Streams to commit the whole input")
                    .atMost(RUN_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(
                            () -> {
                                KafkaStreams.State state = streams.state();
                                if (state == KafkaStreams.State.ERROR
                                        || state == KafkaStreams.State.NOT_RUNNING) {
                                    throw new IllegalStateException(
                                            "Kafka Streams stopped: " + state);
                                }
                                return reached(admin, spec.name(), end);
                            });
        }
        return SystemRun.Decoded.NOT_COUNTED;
    }

    static Topology topology(RunSpec spec, JobSettings config) {
        Serde<UserVisitCount> counts =
                Serdes.serdeFrom(
                        new ConfluentAvroSerializer<>(),
                        new ConfluentAvroDeserializer<>(UserVisitCount.class));
        counts.configure(config.serdeConfig(), false);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(spec.inputTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .processValues(() -> new Decode(config))
                .groupByKey(Grouped.with(Serdes.ByteArray(), Serdes.String()))
                .windowedBy(TimeWindows.ofSizeAndGrace(spec.windowSize(), spec.outOfOrderness()))
                .count(
                        Materialized.<byte[], Long, WindowStore<Bytes, byte[]>>as("counts")
                                .withKeySerde(Serdes.ByteArray())
                                .withValueSerde(Serdes.Long()))
                // One final count per window, once stream time passed its end and the grace.
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                .toStream()
                .map(
                        (window, count) -> {
                            String userId = new String(window.key(), StandardCharsets.UTF_8);
                            return KeyValue.pair(
                                    userId,
                                    UserVisitCount.newBuilder()
                                            .setUserId(userId)
                                            .setWindowStart(
                                                    Instant.ofEpochMilli(window.window().start()))
                                            .setWindowEnd(
                                                    Instant.ofEpochMilli(window.window().end()))
                                            .setVisitCount(count)
                                            .build());
                        })
                .to(spec.outputTopic(), Produced.with(Serdes.String(), counts));
        return builder.build();
    }

    /**
     * Decodes with the job's decoder and moves the record to its event time, which the window then
     * uses. What the job would dead-letter is dropped here; the bench input has none.
     */
    private static final class Decode implements FixedKeyProcessor<byte[], byte[], String> {

        private final VisitDecoder decoder;
        private FixedKeyProcessorContext<byte[], String> context;

        Decode(JobSettings config) {
            this.decoder = new VisitDecoder(config.serdeConfig(), config.eventTimeBounds());
        }

        @Override
        public void init(FixedKeyProcessorContext<byte[], String> context) {
            this.context = context;
            decoder.open();
        }

        @Override
        public void process(FixedKeyRecord<byte[], byte[]> record) {
            SystemRun.firstRecordRead();
            RecordMetadata metadata = context.recordMetadata().orElseThrow();
            DecodedRecord decoded =
                    decoder.decode(
                            new RawRecord(
                                    metadata.topic(),
                                    metadata.partition(),
                                    metadata.offset(),
                                    record.timestamp(),
                                    record.key(),
                                    record.value()));
            if (decoded.isVisit()) {
                context.forward(
                        record.withValue(decoded.visit().userId())
                                .withTimestamp(decoded.visit().eventTime()));
            }
        }
    }

    /** Kafka Streams' transaction timeout under exactly-once when none is set. */
    private static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    private static Properties properties(RunSpec spec) {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, spec.name());
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, spec.bootstrapServers());
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, spec.interval().toMillis());
        // Kafka Streams refuses a transaction timeout below the commit interval, and its
        // exactly-once default is 10 s: at longer intervals, give each transaction two of them.
        properties.put(
                StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int)
                        Math.max(
                                DEFAULT_TRANSACTION_TIMEOUT.toMillis(),
                                2 * spec.interval().toMillis()));
        properties.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, spec.parallelism());
        properties.put(
                StreamsConfig.STATE_DIR_CONFIG,
                Path.of("target", "kafka-streams", spec.name()).toAbsolutePath().toString());
        properties.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return properties;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, RunSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < spec.partitions(); p++) {
            latest.put(new TopicPartition(spec.inputTopic(), p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        return end;
    }

    private static boolean reached(Admin admin, String group, Map<TopicPartition, Long> end)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return end.entrySet().stream()
                .allMatch(
                        e ->
                                committed.get(e.getKey()) != null
                                        && committed.get(e.getKey()).offset() >= e.getValue());
    }
}

package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.pipeline.connect.KafkaVisitSource;
import io.exactlyonce.pipeline.connect.ProductionSinks;
import io.exactlyonce.pipeline.connect.SideTopicHeaders;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records at the edge of what the broker accepts, through the job with its own settings and topics,
 * against the real broker: the largest record the input topic takes, undecodable, must come out on
 * the dead-letter topic with its headers, and a visit as far ahead of its record's timestamp as the
 * job believes must come out as a count stamped with its window's end.
 */
class BrokerLimitsITCase {

    /**
     * A record batch of one record with no key and no headers: 61 bytes of batch header, then
     * length, attributes, timestamp and offset deltas, key length, value length and header count.
     */
    private static final int ONE_RECORD_BATCH_OVERHEAD = 61 + 3 + 1 + 1 + 1 + 1 + 3 + 1;

    private static final Duration WAIT = Duration.ofMinutes(2);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @Test
    void theLargestInputRecordIsDeadLetteredAndTheFurthestAheadVisitIsCounted() throws Exception {
        Duration window = Duration.ofMinutes(1);
        VerifiedRun.Plan plan =
                new VerifiedRun.Plan(
                        EmbeddedServices.uniqueName("limits"),
                        1,
                        VisitTraffic.Settings.forTest(7L, 1, window),
                        1,
                        Duration.ofSeconds(1),
                        0,
                        // A refused record fails the job for good quickly, so its reason shows.
                        OptionValues.of(JobOptions.RESTART_ATTEMPTS, 2));
        JobSettings config = VerifiedRun.config(plan, services);
        VerifiedRun.createTopicsAndDatabase(config, plan, services);

        int inputLimit = maxMessageBytes(config.inputTopic());
        byte[] largest = new byte[inputLimit - ONE_RECORD_BATCH_OVERHEAD];
        Arrays.fill(largest, (byte) 'x'); // no Confluent magic byte: a dead letter
        Instant eventTime;
        try (KafkaProducer<byte[], byte[]> producer = producer(2 * inputLimit)) {
            producer.send(new ProducerRecord<>(config.inputTopic(), largest)).get();
            assertThatThrownBy(
                            () ->
                                    producer.send(
                                                    new ProducerRecord<>(
                                                            config.inputTopic(),
                                                            new byte[largest.length + 1]))
                                            .get())
                    .as("one byte more than the largest record")
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);

            eventTime = sendFurthestAheadVisit(producer, config, window);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        VisitCountJob.configure(env, config);
        VisitCountJob.define(
                env, config, new KafkaVisitSource(config), new ProductionSinks(config));
        JobClient job = env.executeAsync(config.jobName());

        List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
        await("the largest record on the dead-letter topic, or the job's end")
                .atMost(WAIT)
                .ignoreExceptions()
                .until(
                        () -> {
                            deadLetters.clear();
                            deadLetters.addAll(committed(config.deadLetters().topic()));
                            return !deadLetters.isEmpty()
                                    || job.getJobStatus().get().isGloballyTerminalState();
                        });
        assertThat(job.getJobStatus().get().isGloballyTerminalState())
                .as("the job ended: %s", failure(job))
                .isFalse();
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).value()).isEqualTo(largest);
        assertThat(
                        new String(
                                deadLetters
                                        .get(0)
                                        .headers()
                                        .lastHeader(SideTopicHeaders.REASON)
                                        .value(),
                                StandardCharsets.UTF_8))
                .isNotBlank();

        // Draining fires the far window; its count is committed with the savepoint.
        try {
            job.stopWithSavepoint(
                            true,
                            Path.of("target", "savepoints", plan.name())
                                    .toAbsolutePath()
                                    .toUri()
                                    .toString(),
                            SavepointFormatType.CANONICAL)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("drain failed; the job: " + failure(job), e);
        }
        List<ConsumerRecord<byte[], byte[]>> counts = committed(config.countsToKafka().topic());
        assertThat(counts).as("counts committed").hasSize(1);
        assertThat(counts.get(0).timestamp())
                .as("the count's timestamp, its window's end")
                .isEqualTo(eventTime.plus(window).toEpochMilli());
    }

    /**
     * A visit exactly {@code event-time.max-ahead} after its record's timestamp, at the start of
     * its window, at a moment when that window is as far ahead of now as it can be: the count's
     * timestamp then lies max-ahead + window size ahead of the broker's clock.
     */
    private static Instant sendFurthestAheadVisit(
            KafkaProducer<byte[], byte[]> producer, JobSettings config, Duration window)
            throws Exception {
        Duration maxAhead = config.eventTimeBounds().maxAheadOfRecord();
        await("the furthest point ahead to reach a window start")
                .atMost(window.plusSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () ->
                                (System.currentTimeMillis() + maxAhead.toMillis())
                                                % window.toMillis()
                                        < 2_000);
        long furthest = System.currentTimeMillis() + maxAhead.toMillis();
        Instant eventTime = Instant.ofEpochMilli(furthest - furthest % window.toMillis());
        long recordTimestamp = eventTime.minus(maxAhead).toEpochMilli();
        UserVisitEvent visit =
                UserVisitEvent.newBuilder()
                        .setEventId("ahead-1")
                        .setUserId("ahead")
                        .setPage("/ahead")
                        .setEventTime(eventTime)
                        .build();
        try (ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>()) {
            serializer.configure(
                    VisitTraffic.serdeConfig(EmbeddedServices.get().registryUrl()), false);
            producer.send(
                            new ProducerRecord<>(
                                    config.inputTopic(),
                                    null,
                                    recordTimestamp,
                                    "ahead".getBytes(StandardCharsets.UTF_8),
                                    serializer.serialize(config.inputTopic(), visit)))
                    .get();
        }
        return eventTime;
    }

    private int maxMessageBytes(String topic) throws Exception {
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                services.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return Integer.parseInt(
                    admin.describeConfigs(List.of(resource))
                            .all()
                            .get()
                            .get(resource)
                            .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
                            .value());
        }
    }

    private KafkaProducer<byte[], byte[]> producer(int maxRequestSize) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize);
        return new KafkaProducer<>(
                properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every committed record of the topic, as a read_committed consumer sees it now. */
    private List<ConsumerRecord<byte[], byte[]>> committed(String topic) throws Exception {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            // In this thread: a KafkaConsumer is for one thread at a time.
            await("the committed records of " + topic)
                    .atMost(WAIT)
                    .pollInSameThread()
                    .ignoreExceptions()
                    .until(
                            () -> {
                                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                                return partitions.stream()
                                        .allMatch(p -> consumer.position(p) >= end.get(p));
                            });
            return records;
        }
    }

    /** What ended the job, if it ended. */
    private static String failure(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                return "still running";
            }
            job.getJobExecutionResult().get();
            return "finished";
        } catch (Exception e) {
            Throwable root = ExceptionUtils.stripExecutionException(e);
            StringBuilder causes = new StringBuilder();
            for (Throwable t = root; t != null; t = t.getCause()) {
                causes.append(" <- ")
                        .append(t.getClass().getSimpleName())
                        .append(": ")
                        .append(t.getMessage());
            }
            return causes.toString();
        }
    }
}

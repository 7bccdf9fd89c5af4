package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.MiniClusterJobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One input partition carries valid visits, the other nothing but records the job rejects. Windows
 * must fire while the job runs: the poison partition goes idle after {@code watermark.idleness},
 * because dead letters do not count as activity. Until it does, it holds the watermark at its
 * start: with an idleness longer than the wait, no window fires.
 */
class PoisonOnlyPartitionITCase {

    /**
     * One source subtask reads both partitions. (A partition alone on a subtask does not hold
     * windows back: Flink marks the subtask idle once its output has been quiet for the idleness
     * timeout, and a split that never emits a watermark never makes it active again.)
     */
    private static final int PARALLELISM = 1;

    private static final int PARTITIONS = 2;
    private static final int VISITS_PARTITION = 0;
    private static final int POISON_PARTITION = 1;
    private static final Duration WINDOW = Duration.ofSeconds(1);

    /** Far longer than a round of the test takes, so poison keeps an idle check busy. */
    private static final Duration IDLENESS = Duration.ofSeconds(5);

    /** Far past the idleness timeout, the out-of-orderness bound and a few checkpoints. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedServices.miniCluster(PARALLELISM);

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @Test
    void windowsFireWhileOnePartitionCarriesOnlyPoison() throws Exception {
        VerifiedRun.Plan plan =
                new VerifiedRun.Plan(
                        EmbeddedServices.uniqueName("poison"),
                        PARALLELISM,
                        VisitTraffic.Settings.forTest(7L, 0, WINDOW),
                        0,
                        Duration.ofSeconds(1),
                        0,
                        OptionValues.of(JobOptions.IDLENESS, IDLENESS));
        JobSettings config = VerifiedRun.config(plan, services);
        for (String topic :
                List.of(
                        config.inputTopic(),
                        config.countsToKafka().topic(),
                        config.lateVisits().topic(),
                        config.deadLetters().topic())) {
            services.createTopic(topic, PARTITIONS, Map.of());
        }
        services.createDatabase(plan.name());
        VerifiedRun.registerCountsSchema(config, services);
        JobRunner.SubmittedJob job =
                new MiniClusterJobRunner(StreamExecutionEnvironment.getExecutionEnvironment())
                        .submit(config, plan);

        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(VisitTraffic.serdeConfig(services.registryUrl()), false);
        ConfluentAvroDeserializer<UserVisitCount> counts =
                new ConfluentAvroDeserializer<>(UserVisitCount.class);
        counts.configure(VisitTraffic.serdeConfig(services.registryUrl()), false);
        String input = config.inputTopic();
        String output = config.countsToKafka().topic();
        long start = Instant.now().minus(Duration.ofMinutes(10)).toEpochMilli();
        long firstWindow = start - start % WINDOW.toMillis();
        List<UserVisitCount> committed = new ArrayList<>();
        long[] firstWindowAfterPoisonRead = {Long.MAX_VALUE};
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties());
                KafkaConsumer<byte[], byte[]> deadLetters =
                        committedReader(config.deadLetters().topic());
                KafkaConsumer<byte[], byte[]> countsRead = committedReader(output)) {
            // Each round, well within the idleness timeout: a visit a window further on, and
            // poison beside it.
            int[] round = {0};
            Callable<Long> sendRound =
                    () -> {
                        long window = firstWindow + round[0] * WINDOW.toMillis();
                        UserVisitEvent visit =
                                UserVisitEvent.newBuilder()
                                        .setEventId("visit-" + round[0])
                                        .setUserId("alice")
                                        .setPage("/")
                                        .setCountry(null)
                                        .setEventTime(Instant.ofEpochMilli(window))
                                        .build();
                        round[0]++;
                        producer.send(
                                new ProducerRecord<>(
                                        input,
                                        VISITS_PARTITION,
                                        null,
                                        bytes("alice"),
                                        serializer.serialize(input, visit)));
                        producer.send(
                                new ProducerRecord<>(
                                        input,
                                        POISON_PARTITION,
                                        null,
                                        bytes("poison"),
                                        bytes("not a visit")));
                        producer.flush();
                        return window;
                    };
            // A partition may go idle while the job starts and its consumer connects; only
            // windows of visits sent after the job has read poison show it stays idle. The
            // consumers are polled in this thread: a KafkaConsumer is for one thread at a time.
            await("the job to dead-letter the poison")
                    .atMost(WAIT)
                    .pollInSameThread()
                    .ignoreExceptions()
                    .until(
                            () -> {
                                long window = sendRound.call();
                                if (!deadLetters.poll(Duration.ofMillis(100)).isEmpty()) {
                                    firstWindowAfterPoisonRead[0] = window + WINDOW.toMillis();
                                    return true;
                                }
                                return false;
                            });
            await(
                            "a window, of a visit sent after the poison was read, committed while"
                                    + " partition "
                                    + POISON_PARTITION
                                    + " carries only poison")
                    .atMost(WAIT)
                    .pollInSameThread()
                    .ignoreExceptions()
                    .until(
                            () -> {
                                sendRound.call();
                                countsRead
                                        .poll(Duration.ofMillis(100))
                                        .forEach(
                                                r ->
                                                        committed.add(
                                                                counts.deserialize(
                                                                        output, r.value())));
                                return committed.stream()
                                        .anyMatch(
                                                c ->
                                                        c.getWindowStart().toEpochMilli()
                                                                >= firstWindowAfterPoisonRead[0]);
                            });
        } finally {
            job.drainWithSavepoint(Duration.ofMinutes(2));
        }

        assertThat(committed)
                .as("counts committed while the job ran")
                .allSatisfy(
                        count -> {
                            assertThat(count.getUserId()).isEqualTo("alice");
                            assertThat(count.getVisitCount())
                                    .as("visits in " + count.getWindowStart())
                                    .isEqualTo(1L);
                        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private KafkaConsumer<byte[], byte[]> committedReader(String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(properties);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        reader.assign(partitions);
        reader.seekToBeginning(partitions);
        return reader;
    }

    private Properties producerProperties() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }
}

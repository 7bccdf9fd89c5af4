package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.local.Poll;
import io.exactlyonce.local.verify.Observer;
import io.exactlyonce.local.verify.ProducedRecord;
import io.exactlyonce.local.verify.TrafficProducer;
import io.exactlyonce.local.verify.Verdict;
import io.exactlyonce.local.verify.VisitTraffic;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.JobConfig;
import io.exactlyonce.pipeline.JobOption;
import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.connect.KafkaVisitSource;
import io.exactlyonce.pipeline.connect.ProductionSinks;
import io.exactlyonce.sinks.jdbc.VisitCountTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job, on a Flink MiniCluster, against a real Kafka broker and a real MariaDB through XA: a
 * failure is injected after a completed checkpoint while traffic flows, and afterwards every
 * sink must hold exactly what an oracle computed from the generated input says.
 *
 * <p>{@code -Dit.kafka.delivery-guarantee=AT_LEAST_ONCE} or
 * {@code -Dit.jdbc.delivery-guarantee=AT_LEAST_ONCE} runs the same test with one sink weakened;
 * it must then fail, which shows the test can tell.
 */
class ExactlyOnceITCase {

    private static final int PARALLELISM = 2;
    private static final Duration WINDOW = Duration.ofSeconds(1);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    private final EmbeddedServices services = EmbeddedServices.get();

    @BeforeEach
    void resetFaults() {
        FailOnceAfterCheckpoint.reset();
    }

    @Test
    void failureAfterACompletedCheckpointNeitherLosesNorDuplicates() throws Exception {
        String run = EmbeddedServices.uniqueName("eo");
        JobConfig config = JobConfig.of(jobOptions(run), "");
        createTopics(config);
        services.mariaDb.createDatabase(run);
        services.mariaDb.execute(run, VisitCountTable.CREATE_TABLE);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        VisitCountJob.configure(env, config);
        KafkaVisitSource kafka = new KafkaVisitSource(config);
        VisitCountJob.define(
                env,
                config,
                e -> kafka.open(e)
                        .map(new FailOnceAfterCheckpoint<>(2, Duration.ofSeconds(1)))
                        .name("inject-failure")
                        .uid("inject-failure"),
                new ProductionSinks(config));
        JobClient job = env.executeAsync(config.jobName());

        VisitTraffic traffic = new VisitTraffic(VisitTraffic.Settings.forTest(42L, 4_000, WINDOW)
                .withWindows(20));
        List<ProducedRecord> input = TrafficProducer.produce(
                        services.kafka.bootstrapServers(),
                        config.inputTopic(),
                        traffic.plan(serializer(), config.inputTopic()),
                        400)
                .get(2, TimeUnit.MINUTES);

        awaitInputConsumed(config, Duration.ofMinutes(2));
        // Draining fires the last windows and commits everything with a final savepoint.
        job.stopWithSavepoint(true, savepointDir(run), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);

        Verdict.Report report = Verdict.judge(input, WINDOW, Observer.observe(targets(config, run)));
        System.out.println(report.table());

        assertThat(FailOnceAfterCheckpoint.FAILURES).as("the injected failure happened").hasValue(1);
        assertThat(report.lateVisits()).as("some visits came late").isPositive();
        assertThat(report.deadLetters()).as("bad records were rejected").isPositive();
        assertThat(report.problems()).as(report.table()).isEmpty();
    }

    private Map<String, String> jobOptions(String run) {
        Map<String, String> options = new HashMap<>();
        options.put(JobOption.BOOTSTRAP_SERVERS.key(), services.kafka.bootstrapServers());
        options.put(JobOption.SCHEMA_REGISTRY_URL.key(), services.registry.url());
        options.put(JobOption.JDBC_URL.key(), services.mariaDb.jdbcUrl(run));
        options.put(JobOption.JDBC_USER.key(), "root");
        options.put(JobOption.INPUT_TOPIC.key(), run + "-visits");
        options.put(JobOption.OUTPUT_TOPIC.key(), run + "-counts");
        options.put(JobOption.LATE_TOPIC.key(), run + "-late");
        options.put(JobOption.DEAD_LETTER_TOPIC.key(), run + "-dead-letter");
        options.put(JobOption.CONSUMER_GROUP.key(), run);
        options.put(JobOption.TRANSACTIONAL_ID_PREFIX.key(), run);
        options.put(JobOption.XID_PREFIX.key(), run);
        options.put(JobOption.WINDOW_SIZE.key(), WINDOW.toMillis() + " ms");
        options.put(JobOption.CHECKPOINT_INTERVAL.key(), "2 s");
        options.put(JobOption.CHECKPOINT_MIN_PAUSE.key(), "500 ms");
        options.put(JobOption.RESTART_DELAY.key(), "500 ms");
        options.put(JobOption.JDBC_BATCH_SIZE.key(), "10");
        options.put(JobOption.PARALLELISM.key(), Integer.toString(PARALLELISM));
        options.put(JobOption.KAFKA_GUARANTEE.key(),
                System.getProperty("it.kafka.delivery-guarantee", "EXACTLY_ONCE"));
        options.put(JobOption.JDBC_GUARANTEE.key(),
                System.getProperty("it.jdbc.delivery-guarantee", "EXACTLY_ONCE"));
        return options;
    }

    private void createTopics(JobConfig config) {
        for (JobOption topic : List.of(JobOption.INPUT_TOPIC, JobOption.OUTPUT_TOPIC,
                JobOption.LATE_TOPIC, JobOption.DEAD_LETTER_TOPIC)) {
            services.kafka.createTopic(config.get(topic), PARALLELISM);
        }
    }

    private ConfluentAvroSerializer<UserVisitEvent> serializer() {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(VisitTraffic.serdeConfig(services.registry.url()), false);
        return serializer;
    }

    /**
     * The source commits its offsets to Kafka when a checkpoint completes: once they reach the
     * end of the input, every record was read and is covered by a completed checkpoint.
     */
    private void awaitInputConsumed(JobConfig config, Duration timeout) throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        try (Admin admin = Admin.create(properties)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARALLELISM; p++) {
                latest.put(new TopicPartition(config.inputTopic(), p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            Poll.until("the job to consume and checkpoint all input", timeout, () -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(config.groupId())
                        .partitionsToOffsetAndMetadata().get();
                return end.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue());
            });
        }
    }

    private Observer.Targets targets(JobConfig config, String run) {
        return new Observer.Targets(
                services.kafka.bootstrapServers(), services.registry.url(),
                config.get(JobOption.OUTPUT_TOPIC), config.get(JobOption.LATE_TOPIC),
                config.get(JobOption.DEAD_LETTER_TOPIC), services.mariaDb.jdbcUrl(run), "root", "");
    }

    private static String savepointDir(String run) {
        return Path.of("target", "savepoints", run).toAbsolutePath().toUri().toString();
    }
}

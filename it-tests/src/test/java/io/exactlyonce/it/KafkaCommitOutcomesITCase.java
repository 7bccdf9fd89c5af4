package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.CommitOutcomes;
import io.exactlyonce.sinks.kafka.KafkaSinkSettings;
import io.exactlyonce.sinks.kafka.TransactionalKafkaSinks;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.sink.internal.FlinkKafkaInternalProducer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.groups.InternalSinkCommitterMetricGroup;
import org.apache.flink.streaming.runtime.operators.sink.committables.CommitRequestImpl;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator can tell from the Kafka sinks' committer metrics, against a real broker and the
 * connector's real committer, driven with Flink's own commit requests and committer metric group
 * (as Flink's committer operator does after a checkpoint completed, or after a restore).
 *
 * <p>The connector reports a harmless re-commit after a restore and a transaction the broker
 * aborted alike: failed with a known reason, {@code failedCommittables} up, and an ERROR that it
 * "most likely signals data loss". The project's sink tells them apart by asking the broker.
 */
class KafkaCommitOutcomesITCase {

    private static final String SINK = "counts-to-kafka";
    private static EmbeddedInfrastructure services;
    private static String topic;
    private static Admin admin;

    @BeforeAll
    static void start() {
        services = EmbeddedServices.get();
        topic = EmbeddedServices.uniqueName("commit_outcomes");
        services.createTopic(topic, 1, Map.of());
        Properties properties = new Properties();
        properties.setProperty(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        admin = Admin.create(properties);
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    /** The connector alone: the re-commit of a committed transaction counts as failed. */
    @Test
    void theConnectorCountsTheReCommitOfACommittedTransactionAsFailed() throws Exception {
        String prefix = EmbeddedServices.uniqueName("plain");
        KafkaCommittable restored = committedTransaction(prefix + "-0-3");
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();

        commitOnce(connectorSink(prefix), restored, metrics, OptionalLong.of(3));

        assertThat(metrics.count("failedCommittables"))
                .as("the symptom: a harmless re-commit looks like a failed commit")
                .isEqualTo(1);
        assertThat(metrics.count("alreadyCommittedCommittables")).isZero();
    }

    @Test
    void theReCommitOfACommittedTransactionAfterARestoreIsAlreadyCommittedNotFailed()
            throws Exception {
        String prefix = EmbeddedServices.uniqueName("recommit");
        KafkaCommittable restored = committedTransaction(prefix + "-0-3");
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();

        commitOnce(projectSink(prefix), restored, metrics, OptionalLong.of(3));

        assertThat(metrics.count(CommitOutcomes.RECOMMITS)).isEqualTo(1);
        assertThat(metrics.count("alreadyCommittedCommittables")).isEqualTo(1);
        assertThat(metrics.count("failedCommittables")).isZero();
        assertThat(metrics.count(CommitOutcomes.LOST)).isZero();
        assertThat(metrics.count(CommitOutcomes.UNKNOWN)).isZero();
    }

    /** What a job down longer than the transaction timeout meets: the broker aborted it. */
    @Test
    void aTransactionTheBrokerAbortedAtItsTimeoutIsLost() throws Exception {
        String prefix = EmbeddedServices.uniqueName("aborted");
        String transactionalId = prefix + "-0-4";
        KafkaCommittable prepared = preparedTransaction(transactionalId, Duration.ofSeconds(1));
        awaitState(transactionalId, "COMPLETE_ABORT");
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();

        commitOnce(projectSink(prefix), prepared, metrics, OptionalLong.of(3));

        assertThat(metrics.count(CommitOutcomes.LOST)).isEqualTo(1);
        assertThat(metrics.count(CommitOutcomes.RECOMMITS)).isZero();
        assertThat(metrics.count("failedCommittables"))
                .as("still failed with the connector's reason: the job runs on as before")
                .isEqualTo(1);
    }

    @Test
    void aTransactionWhoseIdAnotherProducerTookOverHasAnUnknownOutcome() throws Exception {
        String prefix = EmbeddedServices.uniqueName("taken");
        String transactionalId = prefix + "-0-5";
        KafkaCommittable prepared = preparedTransaction(transactionalId, Duration.ofMinutes(1));
        try (FlinkKafkaInternalProducer<byte[], byte[]> other =
                new FlinkKafkaInternalProducer<>(
                        producerProperties(Duration.ofMinutes(1)), transactionalId)) {
            other.initTransactions();
        }
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();

        commitOnce(projectSink(prefix), prepared, metrics, OptionalLong.of(3));

        assertThat(metrics.count(CommitOutcomes.UNKNOWN)).isEqualTo(1);
        assertThat(metrics.count(CommitOutcomes.RECOMMITS)).isZero();
        assertThat(metrics.count("failedCommittables")).isEqualTo(1);
    }

    @Test
    void anOrdinaryCommitCountsNothingButSuccess() throws Exception {
        String prefix = EmbeddedServices.uniqueName("ordinary");
        KafkaCommittable prepared = preparedTransaction(prefix + "-0-1", Duration.ofMinutes(1));
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();

        commitOnce(projectSink(prefix), prepared, metrics, OptionalLong.empty());

        assertThat(
                        metrics.count("failedCommittables")
                                + metrics.count("alreadyCommittedCommittables"))
                .isZero();
        assertThat(
                        metrics.count(CommitOutcomes.RECOMMITS)
                                + metrics.count(CommitOutcomes.LOST)
                                + metrics.count(CommitOutcomes.UNKNOWN))
                .isZero();
        awaitState(prefix + "-0-1", "COMPLETE_COMMIT");
    }

    // --- a transaction as the sink's writer leaves it at a checkpoint barrier

    /** Flushed and left open; the committable carries no producer, as one restored from state. */
    private static KafkaCommittable preparedTransaction(String transactionalId, Duration timeout) {
        FlinkKafkaInternalProducer<byte[], byte[]> producer =
                openTransaction(transactionalId, timeout);
        KafkaCommittable committable = restoredFrom(producer);
        // Without an abort, as a TaskManager that died: the transaction stays open on the broker.
        producer.close(Duration.ZERO);
        return committable;
    }

    /**
     * Prepared, then committed by the connector's committer through the writer's producer, as when
     * its checkpoint completed before the failure; returned as restored from that checkpoint.
     */
    private static KafkaCommittable committedTransaction(String transactionalId) throws Exception {
        FlinkKafkaInternalProducer<byte[], byte[]> producer =
                openTransaction(transactionalId, Duration.ofMinutes(1));
        KafkaCommittable restored = restoredFrom(producer);
        String prefix = transactionalId.substring(0, transactionalId.length() - "-0-3".length());
        RecordingCommitterMetrics metrics = new RecordingCommitterMetrics();
        commitOnce(
                connectorSink(prefix),
                KafkaCommittable.of(producer),
                metrics,
                OptionalLong.empty());
        producer.close(Duration.ZERO);
        assertThat(metrics.count("failedCommittables")).as("the first commit").isZero();
        awaitState(transactionalId, "COMPLETE_COMMIT");
        return restored;
    }

    private static FlinkKafkaInternalProducer<byte[], byte[]> openTransaction(
            String transactionalId, Duration timeout) {
        FlinkKafkaInternalProducer<byte[], byte[]> producer =
                new FlinkKafkaInternalProducer<>(producerProperties(timeout), transactionalId);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "visit".getBytes(StandardCharsets.UTF_8)));
        producer.flush();
        return producer;
    }

    /** What the committer state holds: ids and epoch, no producer. */
    private static KafkaCommittable restoredFrom(FlinkKafkaInternalProducer<?, ?> producer) {
        return new KafkaCommittable(
                producer.getProducerId(), producer.getEpoch(), producer.getTransactionalId(), null);
    }

    private static Properties producerProperties(Duration transactionTimeout) {
        Properties properties = new Properties();
        properties.setProperty(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.setProperty(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.setProperty(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(transactionTimeout.toMillis()));
        return properties;
    }

    /** The coordinator answers the commit or abort first and writes the markers after it. */
    private static void awaitState(String transactionalId, String state) throws Exception {
        await(transactionalId + " " + state + " on the broker")
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> stateOf(transactionalId).equals(state));
    }

    private static String stateOf(String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId))
                .description(transactionalId)
                .get()
                .state()
                .name();
    }

    // --- the sinks and Flink's side of a commit

    private static KafkaSinkSettings settings(String prefix) {
        return KafkaSinkSettings.builder(SINK)
                .bootstrapServers(services.bootstrapServers())
                .topic(topic)
                .transactionalIdPrefix(prefix)
                .transactionTimeout(Duration.ofMinutes(1))
                .build(
                        new CheckpointTiming(
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(5),
                                Duration.ofMillis(100)));
    }

    private static Sink<String> projectSink(String prefix) {
        return TransactionalKafkaSinks.create(settings(prefix), anySerializer());
    }

    /** The connector's sink as it is, with the settings the project's sink is built from. */
    private static Sink<String> connectorSink(String prefix) {
        KafkaSinkSettings settings = settings(prefix);
        return KafkaSink.<String>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setKafkaProducerConfig(settings.producerProperties())
                .setDeliveryGuarantee(settings.deliveryGuarantee())
                .setTransactionalIdPrefix(prefix)
                .setTransactionNamingStrategy(TransactionNamingStrategy.INCREMENTING)
                .setRecordSerializer(anySerializer())
                .build();
    }

    private static KafkaRecordSerializationSchema<String> anySerializer() {
        return (element, context, timestamp) ->
                new ProducerRecord<>(topic, element.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One commit call with Flink's own commit request, as the committer operator makes it. (The
     * operator, not the request, counts a success, so {@code successfulCommittables} stays 0.)
     */
    @SuppressWarnings("unchecked")
    private static void commitOnce(
            Sink<String> sink,
            KafkaCommittable committable,
            RecordingCommitterMetrics metrics,
            OptionalLong restoredCheckpoint)
            throws Exception {
        SinkCommitterMetricGroup group = InternalSinkCommitterMetricGroup.wrap(metrics);
        try (Committer<KafkaCommittable> committer =
                ((SupportsCommitter<KafkaCommittable>) sink)
                        .createCommitter(new Context(group, restoredCheckpoint))) {
            group.getNumCommittablesTotalCounter().inc();
            committer.commit(List.of(new CommitRequestImpl<>(committable, group) {}));
        }
    }

    private record Context(SinkCommitterMetricGroup metricGroup, OptionalLong restored)
            implements CommitterInitContext {

        @Override
        public OptionalLong getRestoredCheckpointId() {
            return restored;
        }

        @Override
        public JobInfo getJobInfo() {
            return new JobInfoImpl(new JobID(), "commit-outcomes");
        }

        @Override
        public TaskInfo getTaskInfo() {
            return new TaskInfoImpl(SINK + ": Committer", 128, 0, 1, restored.isPresent() ? 1 : 0);
        }
    }

    /** An operator metric group that keeps its counters, Flink's committer counters included. */
    static final class RecordingCommitterMetrics extends UnregisteredMetricsGroup
            implements OperatorMetricGroup {

        private final Map<String, Counter> counters = new HashMap<>();

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            counters.put(name, counter);
            return counter;
        }

        @Override
        public OperatorIOMetricGroup getIOMetricGroup() {
            return UnregisteredMetricsGroup.createOperatorIOMetricGroup();
        }

        long count(String name) {
            Counter counter = counters.get(name);
            return counter == null ? 0 : counter.getCount();
        }
    }
}

package io.exactlyonce.testkit.run;

import io.exactlyonce.testkit.Poll;

import io.exactlyonce.testkit.embedded.ServiceAddresses;
import io.exactlyonce.testkit.embedded.Infrastructure;

import io.exactlyonce.testkit.verify.Observer;
import io.exactlyonce.testkit.verify.ProducedRecord;
import io.exactlyonce.testkit.verify.TrafficProducer;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.api.JobConfig;
import io.exactlyonce.pipeline.api.JobOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One run of the job with a known answer: fresh topics and table, seeded traffic produced while
 * the job runs, optionally a failure after a completed checkpoint (injected in the job, or from
 * outside as a {@link Fault}), then a drain that fires the last windows and commits everything,
 * and a verdict on what every sink committed. Where the job runs is a {@link JobRunner}.
 */
public final class VerifiedRun {

    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

    /**
     * @param name unique per run: names the topics, the database and the transactional ids
     * @param failAfterCheckpoint fail the job once, a second after this checkpoint completed;
     *     0 for no failure
     * @param overrides further job options, e.g. a weakened delivery guarantee
     */
    public record Plan(
            String name, int parallelism, VisitTraffic.Settings traffic, int recordsPerSecond,
            Duration checkpointInterval, int failAfterCheckpoint, Map<String, String> overrides) {}

    private VerifiedRun() {}

    /** The job's options for this run. */
    public static JobConfig config(Plan plan, Infrastructure infrastructure) {
        String name = plan.name();
        ServiceAddresses job = infrastructure.jobFacing();
        Map<String, String> options = new HashMap<>();
        options.put(JobOption.BOOTSTRAP_SERVERS.key(), job.bootstrapServers());
        options.put(JobOption.SCHEMA_REGISTRY_URL.key(), job.registryUrl());
        options.put(JobOption.JDBC_URL.key(), job.jdbcUrl(name));
        options.put(JobOption.JDBC_USER.key(), infrastructure.jdbcUser());
        options.put(JobOption.INPUT_TOPIC.key(), name + "-visits");
        options.put(JobOption.OUTPUT_TOPIC.key(), name + "-counts");
        options.put(JobOption.LATE_TOPIC.key(), name + "-late");
        options.put(JobOption.DEAD_LETTER_TOPIC.key(), name + "-dead-letter");
        // The consumer group, the job name and both sinks' transaction prefixes derive from it.
        options.put(JobOption.JOB_ID.key(), jobId(name));
        options.put(JobOption.WINDOW_SIZE.key(), plan.traffic().windowSize().toMillis() + " ms");
        options.put(JobOption.CHECKPOINT_INTERVAL.key(), plan.checkpointInterval().toMillis() + " ms");
        options.put(JobOption.CHECKPOINT_MIN_PAUSE.key(), "500 ms");
        // Short runs: restarts back off only to 4 s, and a job that ran 30 s without a failure
        // starts over with a full budget, so a run survives a fault per half minute without an
        // inflated restart.attempts.
        options.put(JobOption.RESTART_INITIAL_BACKOFF.key(), "500 ms");
        options.put(JobOption.RESTART_MAX_BACKOFF.key(), "4 s");
        options.put(JobOption.RESTART_RESET_AFTER.key(), "30 s");
        // Small batches, so an at-least-once run has rows committed between checkpoints.
        options.put(JobOption.JDBC_BATCH_SIZE.key(), "10");
        options.put(JobOption.PARALLELISM.key(), Integer.toString(plan.parallelism()));
        options.putAll(plan.overrides());
        return JobConfig.of(options, infrastructure.jdbcPassword());
    }

    /** The run's name as a job id: the same letters, in the job id's alphabet. */
    static String jobId(String runName) {
        return runName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    /**
     * Something done to the running job from outside while traffic flows, e.g. killing a
     * TaskManager. It runs on its own thread; the run drains the job only after it returned.
     */
    @FunctionalInterface
    public interface Fault {

        Fault NONE = job -> job;

        /**
         * Returns the job the run goes on with: {@code job}, or the job that replaced it when
         * the fault stopped it and resumed it from a savepoint or retained checkpoint.
         */
        JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception;
    }

    /** The run on {@code env}, a MiniCluster in practice, with the plan's in-job failure. */
    public static Verdict.Report run(
            StreamExecutionEnvironment env, Plan plan, Infrastructure infrastructure,
            Consumer<String> progress) throws Exception {
        return run(new MiniClusterJobRunner(env), plan, infrastructure, Fault.NONE, progress);
    }

    /** The run on {@code runner}, with {@code fault} done to the job while traffic flows. */
    public static Verdict.Report run(
            JobRunner runner, Plan plan, Infrastructure infrastructure, Fault fault,
            Consumer<String> progress) throws Exception {
        JobConfig config = config(plan, infrastructure);
        createTopicsAndDatabase(config, plan, infrastructure);

        JobRunner.SubmittedJob job = runner.submit(config, plan);
        progress.accept("job " + job.jobId() + " submitted");

        VisitTraffic traffic = new VisitTraffic(plan.traffic());
        CompletableFuture<List<ProducedRecord>> producing = TrafficProducer.produce(
                infrastructure.bootstrapServers(), config.inputTopic(),
                traffic.plan(serializer(infrastructure.registryUrl()), config.inputTopic()),
                plan.recordsPerSecond());
        ExecutorService faults = Executors.newSingleThreadExecutor(r -> new Thread(r, "fault"));
        try {
            Future<JobRunner.SubmittedJob> injected = faults.submit(() -> fault.inject(job));
            List<ProducedRecord> input =
                    producing.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            progress.accept(input.size() + " input records produced");
            JobRunner.SubmittedJob last =
                    injected.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!last.jobId().equals(job.jobId())) {
                progress.accept("job " + last.jobId() + " carries on from job " + job.jobId());
            }

            awaitInputCheckpointed(infrastructure.bootstrapServers(), config, plan.parallelism());
            progress.accept("all input read and checkpointed; draining the job");
            last.drainWithSavepoint(STEP_TIMEOUT);

            // A fault from outside may cut the broker off for longer than the idleness timeout;
            // a failure inside the job restarts it at once, with every partition delivering.
            Verdict.ReadOrder readOrder = fault == Fault.NONE
                    ? Verdict.ReadOrder.PARTITIONS_IN_STEP
                    : Verdict.ReadOrder.PARTITIONS_MAY_IDLE;
            return Verdict.judge(input, plan.traffic().windowSize(),
                    config.duration(JobOption.OUT_OF_ORDERNESS), readOrder, Observer.observe(
                    new Observer.Targets(
                            infrastructure.bootstrapServers(), infrastructure.registryUrl(),
                            config.get(JobOption.OUTPUT_TOPIC), config.get(JobOption.LATE_TOPIC),
                            config.get(JobOption.DEAD_LETTER_TOPIC),
                            infrastructure.jdbcUrl(plan.name()), infrastructure.jdbcUser(),
                            infrastructure.jdbcPassword())));
        } finally {
            faults.shutdownNow();
        }
    }

    /**
     * The run's four topics, one partition per subtask, and its database. The input topic takes
     * records up to kafka.input-max-message-bytes; the side topics, which forward them with
     * headers, take more (as deploy/cluster/create-topics.sh sets them).
     */
    public static void createTopicsAndDatabase(
            JobConfig config, Plan plan, Infrastructure infrastructure) throws Exception {
        String maxMessageBytes = "max.message.bytes";
        infrastructure.createTopic(config.inputTopic(), plan.parallelism(), Map.of(
                maxMessageBytes, config.get(JobOption.INPUT_MAX_MESSAGE_BYTES)));
        infrastructure.createTopic(
                config.get(JobOption.OUTPUT_TOPIC), plan.parallelism(), Map.of());
        for (JobOption side : List.of(JobOption.LATE_TOPIC, JobOption.DEAD_LETTER_TOPIC)) {
            infrastructure.createTopic(config.get(side), plan.parallelism(), Map.of(
                    maxMessageBytes, Integer.toString(config.sideTopicMaxMessageBytes())));
        }
        infrastructure.createDatabase(plan.name());
    }

    private static ConfluentAvroSerializer<UserVisitEvent> serializer(String registryUrl) {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(VisitTraffic.serdeConfig(registryUrl), false);
        return serializer;
    }

    /**
     * The source commits its offsets to Kafka when a checkpoint completes: once they reach the
     * end of the input, every record was read and is covered by a completed checkpoint.
     */
    private static void awaitInputCheckpointed(
            String bootstrapServers, JobConfig config, int partitions) throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(config.inputTopic(), p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            Poll.until("the job to read and checkpoint all input", STEP_TIMEOUT, () -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(config.groupId())
                        .partitionsToOffsetAndMetadata().get();
                return end.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue());
            });
        }
    }
}

package io.exactlyonce.testkit.run;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.embedded.ServiceAddresses;
import io.exactlyonce.testkit.verify.Observer;
import io.exactlyonce.testkit.verify.ProducedRecord;
import io.exactlyonce.testkit.verify.TrafficProducer;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One run of the job with a known answer: fresh topics and table, seeded traffic produced while the
 * job runs, optionally a failure after a completed checkpoint (injected in the job, or from outside
 * as a {@link Fault}), then a drain that fires the last windows and commits everything, and a
 * verdict on what every sink committed. Where the job runs is a {@link JobRunner}.
 */
public final class VerifiedRun {

    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

    /**
     * @param name unique per run: names the topics, the database and the transactional ids
     * @param failAfterCheckpoint fail the job once, a second after this checkpoint completed; 0 for
     *     no failure
     * @param overrides further job options, e.g. a weakened delivery guarantee
     */
    public record Plan(
            String name,
            int parallelism,
            VisitTraffic.Settings traffic,
            int recordsPerSecond,
            Duration checkpointInterval,
            int failAfterCheckpoint,
            OptionValues overrides) {}

    private VerifiedRun() {}

    /** The job's options for this run. */
    public static JobSettings config(Plan plan, Infrastructure infrastructure) {
        return config(plan, infrastructure, infrastructure.jobFacing());
    }

    /**
     * The same options with the services at {@code job}: e.g. the infrastructure itself, the
     * addresses this JVM reaches, for a check such as the audit that reads what the job wrote.
     */
    public static JobSettings config(
            Plan plan, Infrastructure infrastructure, ServiceAddresses job) {
        String name = plan.name();
        OptionValues options =
                OptionValues.of()
                        .with(JobOptions.BOOTSTRAP_SERVERS, job.bootstrapServers())
                        .with(JobOptions.SCHEMA_REGISTRY_URL, job.registryUrl())
                        .with(JobOptions.JDBC_URL, job.jdbcUrl(name))
                        .with(JobOptions.JDBC_USER, infrastructure.jdbcUser())
                        .with(JobOptions.INPUT_TOPIC, name + "-visits")
                        .with(JobOptions.OUTPUT_TOPIC, name + "-counts")
                        .with(JobOptions.LATE_TOPIC, name + "-late")
                        .with(JobOptions.DEAD_LETTER_TOPIC, name + "-dead-letter")
                        // The consumer group, the job name and both sinks' transaction prefixes
                        // derive
                        // from it.
                        .with(JobOptions.JOB_ID, jobId(name))
                        .with(JobOptions.WINDOW_SIZE, plan.traffic().windowSize())
                        .with(JobOptions.CHECKPOINT_INTERVAL, plan.checkpointInterval())
                        .with(JobOptions.CHECKPOINT_MIN_PAUSE, Duration.ofMillis(500))
                        // Short runs: restarts back off only to 4 s, and a job that ran 30 s
                        // without a
                        // failure starts over with a full budget, so a run survives a fault per
                        // half
                        // minute without an inflated restart.attempts.
                        .with(JobOptions.RESTART_INITIAL_BACKOFF, Duration.ofMillis(500))
                        .with(JobOptions.RESTART_MAX_BACKOFF, Duration.ofSeconds(4))
                        .with(JobOptions.RESTART_RESET_AFTER, Duration.ofSeconds(30))
                        // Small batches, so an at-least-once run has rows committed between
                        // checkpoints.
                        .with(JobOptions.JDBC_BATCH_SIZE, 10)
                        .with(JobOptions.PARALLELISM, plan.parallelism())
                        .with(infrastructure.jobOptions())
                        .with(plan.overrides());
        return JobSettings.of(options, infrastructure.jdbcPassword());
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
         * Returns the job the run goes on with: {@code job}, or the job that replaced it when the
         * fault stopped it and resumed it from a savepoint or retained checkpoint.
         */
        JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception;
    }

    /** The run on {@code env}, a MiniCluster in practice, with the plan's in-job failure. */
    public static Verdict.Report run(
            StreamExecutionEnvironment env,
            Plan plan,
            Infrastructure infrastructure,
            Consumer<String> progress)
            throws Exception {
        return run(new MiniClusterJobRunner(env), plan, infrastructure, Fault.NONE, progress);
    }

    /** The run on {@code runner}, with {@code fault} done to the job while traffic flows. */
    public static Verdict.Report run(
            JobRunner runner,
            Plan plan,
            Infrastructure infrastructure,
            Fault fault,
            Consumer<String> progress)
            throws Exception {
        JobSettings config = config(plan, infrastructure);
        createTopicsAndDatabase(config, plan, infrastructure);

        JobRunner.SubmittedJob job = runner.submit(config, plan);
        progress.accept("job " + job.jobId() + " submitted");

        VisitTraffic traffic = new VisitTraffic(plan.traffic());
        CompletableFuture<List<ProducedRecord>> producing =
                TrafficProducer.produce(
                        infrastructure.bootstrapServers(),
                        infrastructure.kafkaSecurity(),
                        config.inputTopic(),
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

            InputCheckpointed.await(
                    infrastructure.bootstrapServers(),
                    infrastructure.kafkaSecurity(),
                    config.inputTopic(),
                    config.groupId(),
                    STEP_TIMEOUT);
            progress.accept("all input read and checkpointed; draining the job");
            last.drainWithSavepoint(STEP_TIMEOUT);

            // A fault from outside may cut the broker off for longer than the idleness timeout;
            // a failure inside the job restarts it at once, with every partition delivering.
            Verdict.ReadOrder readOrder =
                    fault == Fault.NONE
                            ? Verdict.ReadOrder.PARTITIONS_IN_STEP
                            : Verdict.ReadOrder.PARTITIONS_MAY_IDLE;
            return Verdict.judge(
                    input,
                    plan.traffic().windowSize(),
                    config.outOfOrderness(),
                    readOrder,
                    Observer.observe(
                            new Observer.Targets(
                                    infrastructure.bootstrapServers(),
                                    infrastructure.registryUrl(),
                                    config.countsToKafka().topic(),
                                    config.lateVisits().topic(),
                                    config.deadLetters().topic(),
                                    infrastructure.jdbcUrl(plan.name()),
                                    infrastructure.jdbcUser(),
                                    infrastructure.jdbcPassword(),
                                    infrastructure.kafkaSecurity())));
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
            JobSettings config, Plan plan, Infrastructure infrastructure) throws Exception {
        String maxMessageBytes = "max.message.bytes";
        infrastructure.createTopic(
                config.inputTopic(),
                plan.parallelism(),
                Map.of(maxMessageBytes, Integer.toString(config.inputMaxMessageBytes())));
        infrastructure.createTopic(config.countsToKafka().topic(), plan.parallelism(), Map.of());
        for (String side : List.of(config.lateVisits().topic(), config.deadLetters().topic())) {
            infrastructure.createTopic(
                    side,
                    plan.parallelism(),
                    Map.of(maxMessageBytes, Integer.toString(config.sideTopicMaxMessageBytes())));
        }
        infrastructure.createDatabase(plan.name());
        registerCountsSchema(config, infrastructure);
    }

    /**
     * Registers the counts' schema under the output topic's subject, as a deployment does before
     * the job's first start: the job only looks it up unless told to register it.
     */
    public static void registerCountsSchema(JobSettings config, ServiceAddresses registry) {
        new HttpSchemaRegistryClient(registry.registryUrl())
                .register(
                        config.countsToKafka().topic() + "-value", UserVisitCount.getClassSchema());
    }

    private static ConfluentAvroSerializer<UserVisitEvent> serializer(String registryUrl) {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(VisitTraffic.serdeConfig(registryUrl), false);
        return serializer;
    }
}

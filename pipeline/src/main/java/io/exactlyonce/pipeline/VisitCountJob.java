package io.exactlyonce.pipeline;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.pipeline.api.JobSinks;
import io.exactlyonce.pipeline.api.OperatorIds;
import io.exactlyonce.pipeline.api.VisitSource;
import io.exactlyonce.pipeline.config.CommandLineOptions;
import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.RestartBackoff;
import io.exactlyonce.pipeline.connect.KafkaVisitSource;
import io.exactlyonce.pipeline.connect.ProductionSinks;
import io.exactlyonce.pipeline.connect.SideTopicMappers.DeadLetterToRecord;
import io.exactlyonce.pipeline.connect.SideTopicMappers.LateVisitToRecord;
import io.exactlyonce.pipeline.connect.StartGuard;
import io.exactlyonce.pipeline.operators.ByUser;
import io.exactlyonce.pipeline.operators.CountVisits;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.EmitVisitCount;
import io.exactlyonce.pipeline.operators.RestoredWatermarkGate;
import io.exactlyonce.pipeline.operators.SplitDeadLetters;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import org.apache.flink.client.program.ProgramParametrizationException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

/**
 * Counts visits per user in tumbling event-time windows, exactly once into a Kafka topic and a
 * MySQL table. Late visits and undecodable records go to their own topics, also exactly once, so
 * every input record ends up counted, late, or dead-lettered with a reason.
 */
public final class VisitCountJob {

    public static final OutputTag<Visit> LATE_VISITS = new OutputTag<>("late-visits") {};

    private VisitCountJob() {}

    public static void main(String[] args) throws Exception {
        if (CommandLineOptions.asksForHelp(args)) {
            System.out.println(JobSettings.usage());
            return;
        }
        JobSettings config;
        StreamExecutionEnvironment env;
        try {
            config = JobSettings.fromArgs(args, System.getenv());
            env = StreamExecutionEnvironment.getExecutionEnvironment();
            StartGuard.refuseRejectedCredentials(config);
            StartGuard.refuseStartOverEarlierRun(config, env.getConfiguration());
            configure(env, config);
            define(env, config, new KafkaVisitSource(config), new ProductionSinks(config));
        } catch (InvalidJobConfigException e) {
            // flink run prints this exception's message alone, without a stack trace.
            throw new ProgramParametrizationException(e.getMessage());
        }
        env.execute(config.jobName());
    }

    /** Exactly-once checkpointing and a restart strategy whose budget resets. */
    public static void configure(StreamExecutionEnvironment env, JobSettings config) {
        CheckpointTiming timing = config.checkpointTiming();
        env.enableCheckpointing(timing.interval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        CheckpointConfig checkpoints = env.getCheckpointConfig();
        checkpoints.setCheckpointTimeout(timing.timeout().toMillis());
        checkpoints.setMinPauseBetweenCheckpoints(timing.minPause().toMillis());
        // A cancelled job can still be resumed from its last checkpoint.
        checkpoints.setExternalizedCheckpointRetention(
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // Pinned against a cluster default that says otherwise. Aligned barriers give every
        // subtask of RestoredWatermarkGate the same watermark at a checkpoint; unaligned ones
        // do not, and a restore could then reopen a window that fired on one subtask.
        checkpoints.enableUnalignedCheckpoints(false);
        // A failed checkpoint restarts the job: tolerating it would keep a Kafka transaction
        // open across several checkpoints, past the bound its timeout is checked against.
        checkpoints.setTolerableCheckpointFailureNumber(0);
        // Chained operators hand records on without a defensive copy. No operator keeps or
        // changes a record it passed on, and both sinks serialize or bind each record when it
        // is written (the at-least-once JDBC writer copies what it buffers).
        env.getConfig().enableObjectReuse();

        // Exponential delay that resets after a stable period: the attempts bound one burst of
        // failures (a database outage, a lost TaskManager), not the job's whole life.
        RestartBackoff backoff = config.restarts();
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                backoff.attempts());
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                backoff.initialBackoff());
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                backoff.maxBackoff());
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
                backoff.multiplier());
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                backoff.resetAfter());
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
                backoff.jitter());
        env.configure(restarts);
        config.parallelism().ifPresent(env::setParallelism);
    }

    /** The job's dataflow, between a source and sinks that the caller chooses. */
    public static void define(
            StreamExecutionEnvironment env,
            JobSettings config,
            VisitSource source,
            JobSinks sinks) {
        DataStream<DecodedRecord> records = source.open(env);

        SingleOutputStreamOperator<Visit> visits =
                records.process(new SplitDeadLetters())
                        .name(OperatorIds.SPLIT_DEAD_LETTERS)
                        .uid(OperatorIds.SPLIT_DEAD_LETTERS);

        // Late visits of windows that fired before a restored checkpoint go out here; the
        // window operator, without a watermark right after the restore, would count them again.
        SingleOutputStreamOperator<Visit> gated =
                visits.keyBy(new ByUser())
                        .transform(
                                OperatorIds.RESTORED_WATERMARK_GATE,
                                visits.getType(),
                                new RestoredWatermarkGate(config.windowSize(), LATE_VISITS))
                        .uid(OperatorIds.RESTORED_WATERMARK_GATE);

        SingleOutputStreamOperator<UserVisitCount> counts =
                DataStreamUtils.reinterpretAsKeyedStream(gated, new ByUser())
                        .window(TumblingEventTimeWindows.of(config.windowSize()))
                        .sideOutputLateData(LATE_VISITS)
                        .aggregate(new CountVisits(), new EmitVisitCount())
                        .name(OperatorIds.COUNT_PER_WINDOW)
                        .uid(OperatorIds.COUNT_PER_WINDOW);

        counts.sinkTo(sinks.countsToKafka())
                .name(OperatorIds.COUNTS_TO_KAFKA)
                .uid(OperatorIds.COUNTS_TO_KAFKA);
        counts.sinkTo(sinks.countsToDatabase())
                .name(OperatorIds.COUNTS_TO_DATABASE)
                .uid(OperatorIds.COUNTS_TO_DATABASE);

        counts.getSideOutput(LATE_VISITS)
                .union(gated.getSideOutput(LATE_VISITS))
                .map(new LateVisitToRecord(config.inputTopic(), config.sideTopicMaxMessageBytes()))
                .returns(ForwardedRecord.class)
                .name(OperatorIds.LATE_TO_RECORDS)
                .uid(OperatorIds.LATE_TO_RECORDS)
                .sinkTo(sinks.lateVisits())
                .name(OperatorIds.LATE_TO_KAFKA)
                .uid(OperatorIds.LATE_TO_KAFKA);

        visits.getSideOutput(SplitDeadLetters.DEAD_LETTERS)
                .map(new DeadLetterToRecord(config.sideTopicMaxMessageBytes()))
                .returns(ForwardedRecord.class)
                .name(OperatorIds.DEAD_LETTERS_TO_RECORDS)
                .uid(OperatorIds.DEAD_LETTERS_TO_RECORDS)
                .sinkTo(sinks.deadLetters())
                .name(OperatorIds.DEAD_LETTERS_TO_KAFKA)
                .uid(OperatorIds.DEAD_LETTERS_TO_KAFKA);
    }
}

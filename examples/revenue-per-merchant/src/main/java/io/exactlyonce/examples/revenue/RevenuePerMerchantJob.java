package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.MerchantRevenue;
import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import io.exactlyonce.sinks.kafka.KafkaSinkSettings;
import io.exactlyonce.sinks.kafka.TransactionalKafkaSinks;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.client.program.ProgramParametrizationException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Revenue per merchant in tumbling event-time windows, from {@code OrderPlaced} events to a Kafka
 * topic and the {@code merchant_revenue} table, both exactly once. Orders that arrive after
 * their window closed go to a late topic, records that are no usable order to a dead-letter
 * topic, both exactly once too: every input record is summed, late, or dead-lettered.
 */
public final class RevenuePerMerchantJob {

    static final OutputTag<Input> LATE = new OutputTag<>("late-orders") {};

    /**
     * What the job needs; {@code jobId} names its consumer group and its sinks' transactions.
     * The database password comes from the environment ({@code JDBC_PASSWORD}), never the
     * command line.
     */
    public record Settings(
            String jobId, String bootstrapServers, String registryUrl, String inputTopic,
            String outputTopic, String lateTopic, String deadLetterTopic, String jdbcUrl,
            String jdbcUser, String jdbcPassword, Duration windowSize, Duration outOfOrderness,
            Duration checkpointInterval) implements Serializable {

        static Settings fromArgs(String[] args, Map<String, String> env) {
            ParameterTool options = ParameterTool.fromArgs(args);
            String jobId = required(options, "job.id");
            return new Settings(jobId, required(options, "bootstrap.servers"),
                    required(options, "schema.registry.url"),
                    options.get("input.topic", "orders"),
                    options.get("output.topic", "merchant-revenue"),
                    options.get("late.topic", "orders-late"),
                    options.get("dead-letter.topic", "orders-dead-letter"),
                    required(options, "jdbc.url"), required(options, "jdbc.user"),
                    env.getOrDefault("JDBC_PASSWORD", ""),
                    seconds(options, "window.seconds", 60),
                    seconds(options, "out-of-orderness.seconds", 5),
                    seconds(options, "checkpoint.seconds", 5));
        }

        private static String required(ParameterTool options, String key) {
            String value = options.get(key);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("missing --" + key);
            }
            return value;
        }

        private static Duration seconds(ParameterTool options, String key, long byDefault) {
            String value = options.get(key, Long.toString(byDefault));
            try {
                return Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--" + key + " must be a whole number of seconds, got '" + value + "'");
            }
        }

        CheckpointTiming checkpoints() {
            return new CheckpointTiming(
                    checkpointInterval, Duration.ofMinutes(1), Duration.ofMillis(500));
        }

        Map<String, String> serdeConfig() {
            return Map.of("schema.registry.url", registryUrl);
        }
    }

    private RevenuePerMerchantJob() {}

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.fromArgs(args, System.getenv());
        } catch (IllegalArgumentException e) {
            // flink run prints this exception's message alone, without a stack trace.
            throw new ProgramParametrizationException(e.getMessage());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, settings);
        env.execute(settings.jobId());
    }

    /** Exactly-once checkpoints, restarts, and the dataflow. */
    public static void define(StreamExecutionEnvironment env, Settings settings) {
        CheckpointTiming timing = settings.checkpoints();
        env.enableCheckpointing(timing.interval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointTimeout(timing.timeout().toMillis());
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(timing.minPause().toMillis());
        // A failed checkpoint restarts the job: tolerating it would keep a Kafka transaction
        // open past the bound the sink's transaction timeout is checked against.
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                Duration.ofSeconds(10));
        env.configure(restarts);

        KafkaSource<Input> source = KafkaSource.<Input>builder()
                .setBootstrapServers(settings.bootstrapServers())
                .setTopics(settings.inputTopic())
                .setGroupId(settings.jobId())
                .setStartingOffsets(
                        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setDeserializer(new OrderDecoder(settings.serdeConfig()))
                .build();
        // Dead letters carry no event time and do not move the watermark.
        WatermarkStrategy<Input> watermarks = WatermarkStrategy
                .<Input>forBoundedOutOfOrderness(settings.outOfOrderness())
                .withTimestampAssigner(
                        (in, kafkaTime) -> in.isOrder() ? in.eventTime : Long.MIN_VALUE);
        DataStream<Input> inputs = env.fromSource(source, watermarks, "orders").uid("orders");

        SingleOutputStreamOperator<MerchantRevenue> revenue = inputs
                .filter(Input::isOrder).name("orders-only").uid("orders-only")
                .keyBy(in -> in.merchantId)
                .window(TumblingEventTimeWindows.of(settings.windowSize()))
                .sideOutputLateData(LATE)
                .aggregate(new SumAmounts(), new EmitRevenue())
                .name("revenue-per-merchant").uid("revenue-per-merchant");

        revenue.sinkTo(TransactionalKafkaSinks.create(
                        kafka(settings, "revenue", settings.outputTopic()),
                        new MerchantRevenueSerializer(
                                settings.outputTopic(), settings.serdeConfig())))
                .name("revenue-to-kafka").uid("revenue-to-kafka");
        revenue.sinkTo(MerchantRevenueTable.sink(JdbcSinkSettings.builder("revenue-to-database")
                        .jdbcUrl(settings.jdbcUrl())
                        .username(settings.jdbcUser())
                        .password(settings.jdbcPassword())
                        .xidPrefix(settings.jobId() + "-revenue")
                        .sessionIdleTimeout(JdbcSinkSettings.sessionIdleTimeoutFor(timing))
                        .build()))
                .name("revenue-to-database").uid("revenue-to-database");
        revenue.getSideOutput(LATE)
                .map(Input::late).returns(ForwardedRecord.class).name("late").uid("late")
                .sinkTo(TransactionalKafkaSinks.forwardedRecords(
                        kafka(settings, "late", settings.lateTopic())))
                .name("late-to-kafka").uid("late-to-kafka");
        inputs.filter(in -> !in.isOrder()).name("dead-letters-only").uid("dead-letters-only")
                .map(in -> in.deadLetter).returns(ForwardedRecord.class)
                .name("dead-letters").uid("dead-letters")
                .sinkTo(TransactionalKafkaSinks.forwardedRecords(
                        kafka(settings, "dead-letter", settings.deadLetterTopic())))
                .name("dead-letters-to-kafka").uid("dead-letters-to-kafka");
    }

    private static KafkaSinkSettings kafka(Settings settings, String sink, String topic) {
        return KafkaSinkSettings.builder(sink + "-to-kafka")
                .bootstrapServers(settings.bootstrapServers())
                .topic(topic)
                .transactionalIdPrefix(settings.jobId() + "-" + sink)
                .restartAllowance(Duration.ofMinutes(1))
                .build(settings.checkpoints());
    }

    /** Sum and number of a merchant's orders in a window, kept incrementally. */
    static final class SumAmounts implements AggregateFunction<Input, long[], long[]> {

        @Override
        public long[] createAccumulator() {
            return new long[2];
        }

        @Override
        public long[] add(Input order, long[] sumAndCount) {
            return new long[] {sumAndCount[0] + order.amountCents, sumAndCount[1] + 1};
        }

        @Override
        public long[] getResult(long[] sumAndCount) {
            return sumAndCount;
        }

        @Override
        public long[] merge(long[] a, long[] b) {
            return new long[] {a[0] + b[0], a[1] + b[1]};
        }
    }

    /** The window's sum as the output record. */
    static final class EmitRevenue
            extends ProcessWindowFunction<long[], MerchantRevenue, String, TimeWindow> {

        @Override
        public void process(String merchant, Context context, Iterable<long[]> sums,
                Collector<MerchantRevenue> out) {
            long[] sumAndCount = sums.iterator().next();
            out.collect(new MerchantRevenue(merchant,
                    Instant.ofEpochMilli(context.window().getStart()),
                    Instant.ofEpochMilli(context.window().getEnd()),
                    sumAndCount[0], sumAndCount[1]));
        }
    }
}

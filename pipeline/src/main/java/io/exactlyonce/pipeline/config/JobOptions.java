package io.exactlyonce.pipeline.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The job's parameters: each with its key, type, default and meaning. The list below is the job's
 * whole surface; the usage text is printed from it. An option without a default is required (listed
 * in {@link #REQUIRED}) or derived from {@link #JOB_ID} or left to Flink.
 */
public final class JobOptions {

    public static final ConfigOption<String> CONFIG_FILE =
            key("config")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("properties file with any of these options");
    public static final ConfigOption<String> JOB_ID =
            key("job.id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "this deployment's identity, [a-z0-9][a-z0-9-]{0,30}, unique per cluster and"
                                    + " database; names its transactions, consumer group and job");

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka brokers, host:port[,host:port]");
    public static final ConfigOption<String> INPUT_TOPIC =
            key("kafka.input-topic")
                    .stringType()
                    .defaultValue("visits")
                    .withDescription("topic of the visit events");
    public static final ConfigOption<String> OUTPUT_TOPIC =
            key("kafka.output-topic")
                    .stringType()
                    .defaultValue("visit-counts")
                    .withDescription("topic of the window counts");
    public static final ConfigOption<String> LATE_TOPIC =
            key("kafka.late-topic")
                    .stringType()
                    .defaultValue("visits-late")
                    .withDescription("topic of visits that came too late");
    public static final ConfigOption<String> DEAD_LETTER_TOPIC =
            key("kafka.dead-letter-topic")
                    .stringType()
                    .defaultValue("visits-dead-letter")
                    .withDescription(
                            "topic of records that could not be counted, reason in headers");
    public static final ConfigOption<String> CONSUMER_GROUP =
            key("kafka.group-id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("consumer group of the source [job.id]");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            key("kafka.transactional-id-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "stable, unique prefix of the Kafka sinks' transactional ids [job.id]");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            key("kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Kafka transaction timeout; above max(checkpoint interval, checkpoint timeout"
                                    + " + min pause) + checkpoint timeout + restart.max-backoff"
                                    + " + restart.recovery-time");
    public static final ConfigOption<Duration> BROKER_MAX_TRANSACTION_TIMEOUT =
            key("kafka.broker-max-transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription("the brokers' transaction.max.timeout.ms");
    public static final ConfigOption<Duration> BROKER_TIMESTAMP_AFTER_MAX =
            key("kafka.broker-timestamp-after-max")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "the output topic's log.message.timestamp.after.max.ms (Kafka 4's default 1 h)");
    public static final ConfigOption<Integer> INPUT_MAX_MESSAGE_BYTES =
            key("kafka.input-max-message-bytes")
                    .intType()
                    .defaultValue(1048588)
                    .withDescription(
                            "the input topic's max.message.bytes; the late and dead-letter topics and"
                                    + " producers are sized above it");
    public static final ConfigOption<Guarantee> KAFKA_GUARANTEE =
            key("kafka.delivery-guarantee")
                    .enumType(Guarantee.class)
                    .defaultValue(Guarantee.EXACTLY_ONCE)
                    .withDescription(
                            "EXACTLY_ONCE, or AT_LEAST_ONCE to see what exactly-once prevents");
    public static final ConfigOption<String> KAFKA_SECURITY_FILE =
            key("kafka.security-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "client properties file with security.protocol, sasl.* and ssl.* (only these)"
                                    + " for the source, the sinks and the start check; read by the job's main()");
    public static final ConfigOption<String> SCHEMA_REGISTRY_URL =
            key("schema-registry.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Confluent-compatible schema registry, e.g. http://registry:8081");
    public static final ConfigOption<String> SCHEMA_REGISTRY_CREDENTIALS_FILE =
            key("schema-registry.credentials-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "file holding user:password for the registry's HTTP basic auth");
    public static final ConfigOption<Boolean> SCHEMA_REGISTRY_AUTO_REGISTER =
            key("schema-registry.auto-register")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "true: the job registers the counts' schema; false: it only looks it up,"
                                    + " and the deployment registers it");

    public static final ConfigOption<String> JDBC_URL =
            key("jdbc.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("jdbc:mysql://host:3306/database of visit_counts");
    public static final ConfigOption<String> JDBC_USER =
            key("jdbc.user").stringType().noDefaultValue().withDescription("database user");
    public static final ConfigOption<String> JDBC_PASSWORD_FILE =
            key("jdbc.password-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "file holding the database password; else env "
                                    + JobSettings.PASSWORD_ENVIRONMENT_VARIABLE);
    public static final ConfigOption<String> XID_PREFIX =
            key("jdbc.xid-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("stable, unique prefix of the XA transactions [job.id]");
    public static final ConfigOption<Guarantee> JDBC_GUARANTEE =
            key("jdbc.delivery-guarantee")
                    .enumType(Guarantee.class)
                    .defaultValue(Guarantee.EXACTLY_ONCE)
                    .withDescription(
                            "EXACTLY_ONCE, or AT_LEAST_ONCE to see what exactly-once prevents");
    public static final ConfigOption<Integer> JDBC_BATCH_SIZE =
            key("jdbc.batch-size")
                    .intType()
                    .defaultValue(500)
                    .withDescription("rows per round trip to the database");
    public static final ConfigOption<Duration> JDBC_COMMIT_MARKER_RETENTION =
            key("jdbc.commit-marker-retention")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "how long XA commit markers are kept; above the age of any checkpoint or"
                                    + " savepoint you may restore");

    public static final ConfigOption<Duration> WINDOW_SIZE =
            key("window.size")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription("tumbling event-time window size");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
            key("watermark.out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("how far events may arrive out of order");
    public static final ConfigOption<Duration> IDLENESS =
            key("watermark.idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("a partition silent this long holds no window");
    public static final ConfigOption<String> EARLIEST_EVENT_TIME =
            key("event-time.earliest")
                    .stringType()
                    .defaultValue("2000-01-01T00:00:00Z")
                    .withDescription("events before this are dead-lettered");
    public static final ConfigOption<Duration> MAX_AHEAD_OF_RECORD =
            key("event-time.max-ahead")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription(
                            "events further than this after their Kafka timestamp are dead-lettered;"
                                    + " + window.size below kafka.broker-timestamp-after-max");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("checkpoint.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("exactly-once checkpoint interval");
    public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
            key("checkpoint.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("a checkpoint slower than this fails");
    public static final ConfigOption<Duration> CHECKPOINT_MIN_PAUSE =
            key("checkpoint.min-pause")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("least time between two checkpoints");
    public static final ConfigOption<Integer> RESTART_ATTEMPTS =
            key("restart.attempts")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "restarts in a row (none restart.reset-after apart) before the job fails");
    public static final ConfigOption<Duration> RESTART_INITIAL_BACKOFF =
            key("restart.initial-backoff")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("pause before the first restart");
    public static final ConfigOption<Duration> RESTART_MAX_BACKOFF =
            key("restart.max-backoff")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription("longest pause before a restart, jitter included");
    public static final ConfigOption<Double> RESTART_BACKOFF_MULTIPLIER =
            key("restart.backoff-multiplier")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription("each pause is this times the one before");
    public static final ConfigOption<Duration> RESTART_RESET_AFTER =
            key("restart.reset-after")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "a job running this long without a failure starts over at the initial"
                                    + " backoff and a full restart.attempts");
    public static final ConfigOption<Double> RESTART_JITTER =
            key("restart.jitter")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription("random share of a pause, so jobs do not restart in step");
    public static final ConfigOption<Duration> RESTART_RECOVERY_TIME =
            key("restart.recovery-time")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "how long a restart takes to redeploy and restore, after its pause; counted"
                                    + " into the Kafka transaction timeout");
    public static final ConfigOption<Integer> PARALLELISM =
            key("parallelism")
                    .intType()
                    .noDefaultValue()
                    .withDescription("job parallelism; empty for the cluster default");
    public static final ConfigOption<String> JOB_NAME =
            key("job.name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("name of the Flink job [job.id]");
    public static final ConfigOption<Boolean> START_FRESH =
            key("start.fresh")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "true: start without state although an earlier run left offsets or"
                                    + " transactions; what they held is lost");

    public static final List<ConfigOption<?>> ALL =
            List.of(
                    CONFIG_FILE,
                    JOB_ID,
                    BOOTSTRAP_SERVERS,
                    INPUT_TOPIC,
                    OUTPUT_TOPIC,
                    LATE_TOPIC,
                    DEAD_LETTER_TOPIC,
                    CONSUMER_GROUP,
                    TRANSACTIONAL_ID_PREFIX,
                    TRANSACTION_TIMEOUT,
                    BROKER_MAX_TRANSACTION_TIMEOUT,
                    BROKER_TIMESTAMP_AFTER_MAX,
                    INPUT_MAX_MESSAGE_BYTES,
                    KAFKA_GUARANTEE,
                    KAFKA_SECURITY_FILE,
                    SCHEMA_REGISTRY_URL,
                    SCHEMA_REGISTRY_CREDENTIALS_FILE,
                    SCHEMA_REGISTRY_AUTO_REGISTER,
                    JDBC_URL,
                    JDBC_USER,
                    JDBC_PASSWORD_FILE,
                    XID_PREFIX,
                    JDBC_GUARANTEE,
                    JDBC_BATCH_SIZE,
                    JDBC_COMMIT_MARKER_RETENTION,
                    WINDOW_SIZE,
                    OUT_OF_ORDERNESS,
                    IDLENESS,
                    EARLIEST_EVENT_TIME,
                    MAX_AHEAD_OF_RECORD,
                    CHECKPOINT_INTERVAL,
                    CHECKPOINT_TIMEOUT,
                    CHECKPOINT_MIN_PAUSE,
                    RESTART_ATTEMPTS,
                    RESTART_INITIAL_BACKOFF,
                    RESTART_MAX_BACKOFF,
                    RESTART_BACKOFF_MULTIPLIER,
                    RESTART_RESET_AFTER,
                    RESTART_JITTER,
                    RESTART_RECOVERY_TIME,
                    PARALLELISM,
                    JOB_NAME,
                    START_FRESH);

    public static final Set<ConfigOption<?>> REQUIRED =
            Set.of(JOB_ID, BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, JDBC_URL, JDBC_USER);

    /** The job's command line: {@code --key value} over an optional {@code --config} file. */
    public static final CommandLineOptions COMMAND_LINE =
            new CommandLineOptions(
                    "Usage: flink run visit-count-job.jar [--option value ...]",
                    ALL,
                    REQUIRED,
                    CONFIG_FILE);

    /**
     * A sink's delivery guarantee as the options spell it, the names of Flink's {@link
     * DeliveryGuarantee} (whose own text is {@code exactly-once}).
     */
    public enum Guarantee {
        EXACTLY_ONCE,
        AT_LEAST_ONCE,
        NONE;

        public DeliveryGuarantee toFlink() {
            return DeliveryGuarantee.valueOf(name());
        }
    }

    private JobOptions() {}
}

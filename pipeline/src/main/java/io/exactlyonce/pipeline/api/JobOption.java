package io.exactlyonce.pipeline.api;

import java.util.List;

/**
 * One job parameter: its key, its default ({@code null} when required) and what it means. The
 * list below is the job's whole surface; the usage text is printed from it.
 */
public record JobOption(String key, String defaultValue, String description) {

    public static final JobOption CONFIG_FILE =
            new JobOption("config", "", "properties file with any of these options");
    public static final JobOption JOB_ID =
            new JobOption(
                    "job.id",
                    null,
                    "this deployment's identity, [a-z0-9][a-z0-9-]{0,30}, unique per cluster and"
                            + " database; names its transactions, consumer group and job");

    public static final JobOption BOOTSTRAP_SERVERS =
            new JobOption("kafka.bootstrap-servers", null, "Kafka brokers, host:port[,host:port]");
    public static final JobOption INPUT_TOPIC =
            new JobOption("kafka.input-topic", "visits", "topic of the visit events");
    public static final JobOption OUTPUT_TOPIC =
            new JobOption("kafka.output-topic", "visit-counts", "topic of the window counts");
    public static final JobOption LATE_TOPIC =
            new JobOption("kafka.late-topic", "visits-late", "topic of visits that came too late");
    public static final JobOption DEAD_LETTER_TOPIC =
            new JobOption(
                    "kafka.dead-letter-topic",
                    "visits-dead-letter",
                    "topic of records that could not be counted, reason in headers");
    public static final JobOption CONSUMER_GROUP =
            new JobOption("kafka.group-id", "", "consumer group of the source [job.id]");
    public static final JobOption TRANSACTIONAL_ID_PREFIX =
            new JobOption(
                    "kafka.transactional-id-prefix",
                    "",
                    "stable, unique prefix of the Kafka sinks' transactional ids [job.id]");
    public static final JobOption TRANSACTION_TIMEOUT =
            new JobOption(
                    "kafka.transaction-timeout",
                    "10 min",
                    "Kafka transaction timeout; above max(checkpoint interval, checkpoint timeout"
                            + " + min pause) + checkpoint timeout + restart.max-backoff"
                            + " + restart.recovery-time");
    public static final JobOption BROKER_MAX_TRANSACTION_TIMEOUT =
            new JobOption(
                    "kafka.broker-max-transaction-timeout",
                    "15 min",
                    "the brokers' transaction.max.timeout.ms");
    public static final JobOption BROKER_TIMESTAMP_AFTER_MAX =
            new JobOption(
                    "kafka.broker-timestamp-after-max",
                    "1 h",
                    "the output topic's log.message.timestamp.after.max.ms (Kafka 4's default 1 h)");
    public static final JobOption INPUT_MAX_MESSAGE_BYTES =
            new JobOption(
                    "kafka.input-max-message-bytes",
                    "1048588",
                    "the input topic's max.message.bytes; the late and dead-letter topics and"
                            + " producers are sized above it");
    public static final JobOption KAFKA_GUARANTEE =
            new JobOption(
                    "kafka.delivery-guarantee",
                    "EXACTLY_ONCE",
                    "EXACTLY_ONCE, or AT_LEAST_ONCE to see what exactly-once prevents");
    public static final JobOption SCHEMA_REGISTRY_URL =
            new JobOption(
                    "schema-registry.url",
                    null,
                    "Confluent-compatible schema registry, e.g. http://registry:8081");

    public static final JobOption JDBC_URL =
            new JobOption("jdbc.url", null, "jdbc:mysql://host:3306/database of visit_counts");
    public static final JobOption JDBC_USER =
            new JobOption("jdbc.user", null, "database user");
    public static final JobOption JDBC_PASSWORD_FILE =
            new JobOption(
                    "jdbc.password-file",
                    "",
                    "file holding the database password; else env "
                            + JobConfig.PASSWORD_ENVIRONMENT_VARIABLE);
    public static final JobOption XID_PREFIX =
            new JobOption(
                    "jdbc.xid-prefix", "", "stable, unique prefix of the XA transactions [job.id]");
    public static final JobOption JDBC_GUARANTEE =
            new JobOption(
                    "jdbc.delivery-guarantee",
                    "EXACTLY_ONCE",
                    "EXACTLY_ONCE, or AT_LEAST_ONCE to see what exactly-once prevents");
    public static final JobOption JDBC_BATCH_SIZE =
            new JobOption("jdbc.batch-size", "500", "rows per round trip to the database");
    public static final JobOption JDBC_COMMIT_MARKER_RETENTION =
            new JobOption(
                    "jdbc.commit-marker-retention",
                    "7 d",
                    "how long XA commit markers are kept; above the age of any checkpoint or"
                            + " savepoint you may restore");

    public static final JobOption WINDOW_SIZE =
            new JobOption("window.size", "1 min", "tumbling event-time window size");
    public static final JobOption OUT_OF_ORDERNESS =
            new JobOption(
                    "watermark.out-of-orderness", "5 s", "how far events may arrive out of order");
    public static final JobOption IDLENESS =
            new JobOption(
                    "watermark.idleness", "30 s", "a partition silent this long holds no window");
    public static final JobOption EARLIEST_EVENT_TIME =
            new JobOption(
                    "event-time.earliest",
                    "2000-01-01T00:00:00Z",
                    "events before this are dead-lettered");
    public static final JobOption MAX_AHEAD_OF_RECORD =
            new JobOption(
                    "event-time.max-ahead",
                    "30 min",
                    "events further than this after their Kafka timestamp are dead-lettered;"
                            + " + window.size below kafka.broker-timestamp-after-max");

    public static final JobOption CHECKPOINT_INTERVAL =
            new JobOption("checkpoint.interval", "5 s", "exactly-once checkpoint interval");
    public static final JobOption CHECKPOINT_TIMEOUT =
            new JobOption("checkpoint.timeout", "60 s", "a checkpoint slower than this fails");
    public static final JobOption CHECKPOINT_MIN_PAUSE =
            new JobOption(
                    "checkpoint.min-pause", "1 s", "least time between two checkpoints");
    public static final JobOption RESTART_ATTEMPTS =
            new JobOption(
                    "restart.attempts",
                    "20",
                    "restarts in a row (none restart.reset-after apart) before the job fails");
    public static final JobOption RESTART_INITIAL_BACKOFF =
            new JobOption("restart.initial-backoff", "1 s", "pause before the first restart");
    public static final JobOption RESTART_MAX_BACKOFF =
            new JobOption(
                    "restart.max-backoff", "1 min", "longest pause before a restart, jitter included");
    public static final JobOption RESTART_BACKOFF_MULTIPLIER =
            new JobOption(
                    "restart.backoff-multiplier", "2.0", "each pause is this times the one before");
    public static final JobOption RESTART_RESET_AFTER =
            new JobOption(
                    "restart.reset-after",
                    "10 min",
                    "a job running this long without a failure starts over at the initial"
                            + " backoff and a full restart.attempts");
    public static final JobOption RESTART_JITTER =
            new JobOption(
                    "restart.jitter", "0.1", "random share of a pause, so jobs do not restart in step");
    public static final JobOption RESTART_RECOVERY_TIME =
            new JobOption(
                    "restart.recovery-time",
                    "1 min",
                    "how long a restart takes to redeploy and restore, after its pause; counted"
                            + " into the Kafka transaction timeout");
    public static final JobOption PARALLELISM =
            new JobOption("parallelism", "", "job parallelism; empty for the cluster default");
    public static final JobOption JOB_NAME =
            new JobOption("job.name", "", "name of the Flink job [job.id]");
    public static final JobOption START_FRESH =
            new JobOption(
                    "start.fresh",
                    "false",
                    "true: start without state although an earlier run left offsets or"
                            + " transactions; what they held is lost");

    public static final List<JobOption> ALL =
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
                    SCHEMA_REGISTRY_URL,
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

    public boolean required() {
        return defaultValue == null;
    }
}

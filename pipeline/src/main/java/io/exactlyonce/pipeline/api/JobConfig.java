package io.exactlyonce.pipeline.api;

import io.exactlyonce.model.serde.AvroSerdeConfig;
import io.exactlyonce.pipeline.operators.EventTimeBounds;
import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.TransactionalIds;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import io.exactlyonce.sinks.kafka.KafkaSinkSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The job's parameters, from {@code --key value} arguments over an optional properties file over
 * the defaults of {@link JobOption}. Every value is checked here, before anything is submitted.
 * Secrets never come from the command line, which shows up in process lists and Flink's UI.
 */
public final class JobConfig {

    public static final String PASSWORD_ENVIRONMENT_VARIABLE = "VISIT_COUNT_JDBC_PASSWORD";

    /** Lower case, so one id is safe as a Kafka, XA, consumer group and Flink job name. */
    private static final Pattern JOB_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    private static final Set<String> KNOWN_KEYS =
            JobOption.ALL.stream().map(JobOption::key).collect(Collectors.toSet());

    private final Map<String, String> values;
    private final String jdbcPassword;

    private JobConfig(Map<String, String> values, String jdbcPassword) {
        this.values = values;
        this.jdbcPassword = jdbcPassword;
    }

    /** Parses command-line arguments; the password comes from a file or the environment. */
    public static JobConfig fromArgs(String[] args, Map<String, String> environment) {
        Map<String, String> given = parseArgs(args);
        Map<String, String> merged = new LinkedHashMap<>();
        String file = given.get(JobOption.CONFIG_FILE.key());
        if (file != null && !file.isBlank()) {
            merged.putAll(readProperties(Path.of(file)));
        }
        merged.putAll(given);
        return of(merged, environment.get(PASSWORD_ENVIRONMENT_VARIABLE));
    }

    /** Builds from explicit values, e.g. in tests and the local run. */
    public static JobConfig of(Map<String, String> given, String jdbcPassword) {
        for (String key : given.keySet()) {
            if (key.contains("password") && !key.equals(JobOption.JDBC_PASSWORD_FILE.key())) {
                throw new InvalidJobConfigException(
                        "'" + key + "' is refused: pass the password in "
                                + JobOption.JDBC_PASSWORD_FILE.key() + " or "
                                + PASSWORD_ENVIRONMENT_VARIABLE + ", never as a parameter.");
            }
            if (!KNOWN_KEYS.contains(key)) {
                throw new InvalidJobConfigException("unknown option '" + key + "'\n" + usage());
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (JobOption option : JobOption.ALL) {
            String value = given.getOrDefault(option.key(), option.defaultValue());
            if (value == null || (option.required() && value.isBlank())) {
                throw new InvalidJobConfigException(
                        "missing required option --" + option.key() + " (" + option.description()
                                + "); --help lists every option");
            }
            values.put(option.key(), value.trim());
        }
        String passwordFile = values.get(JobOption.JDBC_PASSWORD_FILE.key());
        String password = passwordFile.isEmpty() ? jdbcPassword : readSecret(Path.of(passwordFile));
        JobConfig config = new JobConfig(values, password == null ? "" : password);
        config.validate();
        return config;
    }

    public static String usage() {
        StringBuilder text =
                new StringBuilder("Usage: flink run visit-count-job.jar [--option value ...]\n");
        for (JobOption option : JobOption.ALL) {
            text.append(String.format("  --%-38s %s%s%n", option.key(), option.description(),
                    option.required() ? " (required)"
                            : option.defaultValue().isEmpty() ? ""
                            : " [" + option.defaultValue() + "]"));
        }
        return text.toString();
    }

    private void validate() {
        // Building every setting runs every check once, up front.
        jobId();
        windowSize();
        eventTimeBounds();
        parallelism();
        restarts();
        requireCountTimestampsWithinTheBrokersLimit();
        sideTopicMaxMessageBytes();
        if (duration(JobOption.CHECKPOINT_MIN_PAUSE).isNegative()) {
            throw new InvalidJobConfigException("checkpoint.min-pause must not be negative");
        }
        TransactionalIds.requireDistinct(
                Map.of(
                        "counts", countsToKafka().transactionalIdPrefix(),
                        "late", lateVisits().transactionalIdPrefix(),
                        "dead-letters", deadLetters().transactionalIdPrefix(),
                        "visit_counts", countsToDatabase().xidPrefix()));
    }

    public String get(JobOption option) {
        return values.get(option.key());
    }

    public Duration duration(JobOption option) {
        try {
            return TimeUtils.parseDuration(get(option));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(
                    "--" + option.key() + ": '" + get(option) + "' is not a duration (e.g. 5 s)", e);
        }
    }

    private int integer(JobOption option) {
        return number(option, Integer::parseInt);
    }

    private double decimal(JobOption option) {
        return number(option, Double::parseDouble);
    }

    private <T> T number(JobOption option, Function<String, T> parse) {
        try {
            return parse.apply(get(option));
        } catch (NumberFormatException e) {
            throw new InvalidJobConfigException(
                    "--" + option.key() + ": '" + get(option) + "' is not a number", e);
        }
    }

    private DeliveryGuarantee guarantee(JobOption option) {
        try {
            return DeliveryGuarantee.valueOf(get(option));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(
                    "--" + option.key() + ": '" + get(option) + "' is not one of EXACTLY_ONCE,"
                            + " AT_LEAST_ONCE", e);
        }
    }

    /**
     * The deployment's identity. Every name that must differ between two deployments on one
     * cluster or database is derived from it unless set explicitly.
     */
    public String jobId() {
        String id = get(JobOption.JOB_ID);
        if (!JOB_ID.matcher(id).matches()) {
            throw new InvalidJobConfigException(
                    "--job.id: '" + id + "' must be 1-31 characters of [a-z0-9-], starting with a"
                            + " letter or digit");
        }
        return id;
    }

    /** The option's value, or {@code derived} when it was left empty. */
    private String orDerived(JobOption option, String derived) {
        String value = get(option);
        return value.isEmpty() ? derived : value;
    }

    public String jobName() {
        return orDerived(JobOption.JOB_NAME, jobId());
    }

    public String inputTopic() {
        return get(JobOption.INPUT_TOPIC);
    }

    public Duration windowSize() {
        Duration size = duration(JobOption.WINDOW_SIZE);
        if (size.isZero() || size.isNegative()) {
            throw new InvalidJobConfigException("window.size must be positive");
        }
        return size;
    }

    public OptionalInt parallelism() {
        return get(JobOption.PARALLELISM).isEmpty()
                ? OptionalInt.empty()
                : OptionalInt.of(integer(JobOption.PARALLELISM));
    }

    public RestartBackoff restarts() {
        try {
            return new RestartBackoff(
                    integer(JobOption.RESTART_ATTEMPTS),
                    duration(JobOption.RESTART_INITIAL_BACKOFF),
                    duration(JobOption.RESTART_MAX_BACKOFF),
                    decimal(JobOption.RESTART_BACKOFF_MULTIPLIER),
                    duration(JobOption.RESTART_RESET_AFTER),
                    decimal(JobOption.RESTART_JITTER),
                    duration(JobOption.RESTART_RECOVERY_TIME));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(e.getMessage(), e);
        }
    }

    public CheckpointTiming checkpointTiming() {
        return new CheckpointTiming(
                duration(JobOption.CHECKPOINT_INTERVAL), duration(JobOption.CHECKPOINT_TIMEOUT),
                duration(JobOption.CHECKPOINT_MIN_PAUSE));
    }

    public EventTimeBounds eventTimeBounds() {
        try {
            return new EventTimeBounds(
                    Instant.parse(get(JobOption.EARLIEST_EVENT_TIME)),
                    duration(JobOption.MAX_AHEAD_OF_RECORD));
        } catch (DateTimeParseException e) {
            throw new InvalidJobConfigException(
                    "--event-time.earliest must be an ISO instant such as 2000-01-01T00:00:00Z", e);
        }
    }

    /**
     * A count is stamped with its window's end, which lies up to window.size after its latest
     * visit's event time, which lies up to event-time.max-ahead after that visit's record
     * timestamp. The broker refuses a record stamped more than log.message.timestamp.after.max.ms
     * after its own clock, and a refused count fails the job on every replay. What is left of
     * the broker's limit is the room for input producers whose clocks run ahead of the broker's.
     */
    private void requireCountTimestampsWithinTheBrokersLimit() {
        Duration furthest = eventTimeBounds().maxAheadOfRecord().plus(windowSize());
        Duration limit = duration(JobOption.BROKER_TIMESTAMP_AFTER_MAX);
        if (furthest.compareTo(limit) >= 0) {
            throw new InvalidJobConfigException(String.format(
                    "event-time.max-ahead (%s) + window.size (%s) = %s must stay below"
                            + " kafka.broker-timestamp-after-max (%s): a count is stamped with"
                            + " its window's end, up to that far after its input record's"
                            + " timestamp, and the brokers refuse a timestamp further ahead than"
                            + " log.message.timestamp.after.max.ms. Lower event-time.max-ahead or"
                            + " window.size, or raise log.message.timestamp.after.max.ms on the"
                            + " output topic and declare it in kafka.broker-timestamp-after-max.",
                    format(eventTimeBounds().maxAheadOfRecord()), format(windowSize()),
                    format(furthest), format(limit)));
        }
    }

    /**
     * The largest late or dead-letter record: the input record's key and value (or the user id
     * and the value) plus the headers that explain it. Both side topics' max.message.bytes and
     * their producers' max.request.size must be at least this.
     */
    public int sideTopicMaxMessageBytes() {
        int input = integer(JobOption.INPUT_MAX_MESSAGE_BYTES);
        if (input < 1024) {
            throw new InvalidJobConfigException(
                    "--kafka.input-max-message-bytes must be at least 1024, got " + input);
        }
        return Math.addExact(input, ForwardedRecord.MAX_BYTES_BEYOND_INPUT);
    }

    private static String format(Duration duration) {
        return TimeUtils.formatWithHighestUnit(duration);
    }

    /** Configuration of the Avro serde, shared by the source and the counts sink. */
    public Map<String, String> serdeConfig() {
        return Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL, get(JobOption.SCHEMA_REGISTRY_URL),
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "true");
    }

    public String bootstrapServers() {
        return get(JobOption.BOOTSTRAP_SERVERS);
    }

    public KafkaSinkSettings countsToKafka() {
        return kafkaSink("counts", JobOption.OUTPUT_TOPIC, guarantee(JobOption.KAFKA_GUARANTEE));
    }

    /** Late visits and dead letters are accounted for, so they are written exactly once too. */
    public KafkaSinkSettings lateVisits() {
        return kafkaSink("late", JobOption.LATE_TOPIC, DeliveryGuarantee.EXACTLY_ONCE,
                sideTopicMaxMessageBytes());
    }

    public KafkaSinkSettings deadLetters() {
        return kafkaSink("dead-letters", JobOption.DEAD_LETTER_TOPIC,
                DeliveryGuarantee.EXACTLY_ONCE, sideTopicMaxMessageBytes());
    }

    private KafkaSinkSettings kafkaSink(
            String name, JobOption topic, DeliveryGuarantee deliveryGuarantee) {
        // Counts are small: the producer's default request size is plenty.
        return kafkaSink(name, topic, deliveryGuarantee, 0);
    }

    private KafkaSinkSettings kafkaSink(String name, JobOption topic,
            DeliveryGuarantee deliveryGuarantee, int maxRecordBytes) {
        KafkaSinkSettings.Builder builder = KafkaSinkSettings.builder(name);
        if (maxRecordBytes > 0) {
            builder.producerProperty(
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRecordBytes));
        }
        return builder
                .bootstrapServers(bootstrapServers())
                .topic(get(topic))
                .deliveryGuarantee(deliveryGuarantee)
                .transactionalIdPrefix(
                        orDerived(JobOption.TRANSACTIONAL_ID_PREFIX, jobId()) + '-' + name)
                .transactionTimeout(duration(JobOption.TRANSACTION_TIMEOUT))
                .restartAllowance(restarts().longestRestart())
                .brokerMaxTransactionTimeout(duration(JobOption.BROKER_MAX_TRANSACTION_TIMEOUT))
                .build(checkpointTiming());
    }

    public JdbcSinkSettings countsToDatabase() {
        return JdbcSinkSettings.builder("visit_counts")
                .jdbcUrl(get(JobOption.JDBC_URL))
                .username(get(JobOption.JDBC_USER))
                .password(jdbcPassword)
                .deliveryGuarantee(guarantee(JobOption.JDBC_GUARANTEE))
                .xidPrefix(orDerived(JobOption.XID_PREFIX, jobId()))
                .batchSize(integer(JobOption.JDBC_BATCH_SIZE))
                .sessionIdleTimeout(JdbcSinkSettings.sessionIdleTimeoutFor(checkpointTiming()))
                .commitMarkerRetention(JdbcSinkSettings.commitMarkerRetentionFor(
                        duration(JobOption.JDBC_COMMIT_MARKER_RETENTION), checkpointTiming()))
                .build();
    }

    public String groupId() {
        return orDerived(JobOption.CONSUMER_GROUP, jobId());
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InvalidJobConfigException("unexpected argument '" + arg + "'\n" + usage());
            }
            String key = arg.substring(2);
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new InvalidJobConfigException("--" + key + " needs a value\n" + usage());
            }
            given.put(key, args[++i]);
        }
        return given;
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new InvalidJobConfigException("cannot read config file " + file, e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> values.put(k, properties.getProperty(k)));
        return values;
    }

    private static String readSecret(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidJobConfigException("cannot read password file " + file, e);
        }
    }

    @Override
    public String toString() {
        // No secret here: the password never enters the values map.
        return "JobConfig" + values;
    }
}

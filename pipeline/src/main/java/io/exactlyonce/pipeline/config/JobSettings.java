package io.exactlyonce.pipeline.config;

import io.exactlyonce.model.serde.AvroSerdeConfig;
import io.exactlyonce.pipeline.operators.EventTimeBounds;
import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.TransactionalIds;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import io.exactlyonce.sinks.kafka.KafkaSinkSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The job's settings, parsed and checked once: from {@code --key value} arguments over an optional
 * properties file over the defaults of {@link JobOptions}, with every value typed and every sink's
 * settings built, before anything is submitted. Secrets never come from the command line, which
 * shows up in process lists and Flink's UI.
 *
 * <p>Build it with {@link #fromArgs} or {@link #of}; the constructor checks nothing.
 *
 * @param options the options as given, from which everything else is derived; {@link
 *     OptionValues#toArguments()} turns them back into a command line
 * @param jobId the deployment's identity: every name that must differ between two deployments on
 *     one cluster or database is derived from it unless set explicitly
 * @param sideTopicMaxMessageBytes the largest late or dead-letter record: the input record's key
 *     and value (or the user id and the value) plus the headers that explain it. Both side topics'
 *     max.message.bytes and their producers' max.request.size must be at least this.
 */
public record JobSettings(
        OptionValues options,
        String jobId,
        String jobName,
        String groupId,
        String bootstrapServers,
        KafkaSecurity kafkaSecurity,
        String inputTopic,
        String schemaRegistryUrl,
        RegistryCredentials registryCredentials,
        boolean registerSchemas,
        int inputMaxMessageBytes,
        int sideTopicMaxMessageBytes,
        Duration windowSize,
        Duration outOfOrderness,
        Duration idleness,
        EventTimeBounds eventTimeBounds,
        CheckpointTiming checkpointTiming,
        RestartBackoff restarts,
        OptionalInt parallelism,
        boolean startFresh,
        KafkaSinkSettings countsToKafka,
        KafkaSinkSettings lateVisits,
        KafkaSinkSettings deadLetters,
        JdbcSinkSettings countsToDatabase) {

    public static final String PASSWORD_ENVIRONMENT_VARIABLE = "VISIT_COUNT_JDBC_PASSWORD";

    /** Lower case, so one id is safe as a Kafka, XA, consumer group and Flink job name. */
    private static final Pattern JOB_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

    /** Parses command-line arguments; the password comes from a file or the environment. */
    public static JobSettings fromArgs(String[] args, Map<String, String> environment) {
        return of(
                JobOptions.COMMAND_LINE.read(args), environment.get(PASSWORD_ENVIRONMENT_VARIABLE));
    }

    /** Parses options given as text, e.g. a properties file. */
    public static JobSettings of(Map<String, String> given, String jdbcPassword) {
        refuseSecretOptions(given.keySet());
        return of(JobOptions.COMMAND_LINE.parse(given), jdbcPassword);
    }

    /** Builds from typed options, e.g. in tests and the local run. */
    public static JobSettings of(OptionValues given, String jdbcPassword) {
        refuseSecretOptions(given.options().stream().map(ConfigOption::key).toList());
        JobOptions.COMMAND_LINE.requireComplete(given);
        String passwordFile = given.find(JobOptions.JDBC_PASSWORD_FILE).orElse("");
        String password = passwordFile.isEmpty() ? jdbcPassword : readSecret(Path.of(passwordFile));
        String securityFile = given.find(JobOptions.KAFKA_SECURITY_FILE).orElse("");
        KafkaSecurity security =
                securityFile.isEmpty()
                        ? KafkaSecurity.NONE
                        : KafkaSecurity.read(Path.of(securityFile));
        String registryFile = given.find(JobOptions.SCHEMA_REGISTRY_CREDENTIALS_FILE).orElse("");
        RegistryCredentials registry =
                registryFile.isEmpty()
                        ? RegistryCredentials.NONE
                        : RegistryCredentials.of(readSecret(Path.of(registryFile)), registryFile);
        return build(given, password == null ? "" : password, security, registry);
    }

    public static String usage() {
        return JobOptions.COMMAND_LINE.usage();
    }

    /** The settings as {@code --key value} arguments; the password is never among them. */
    public List<String> toArguments() {
        return options.toArguments();
    }

    /** Properties of a Kafka client of the job: the brokers and the security settings. */
    public Properties kafkaClientProperties() {
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", bootstrapServers);
        return kafkaSecurity.addTo(properties);
    }

    /**
     * Configuration of the Avro serde, shared by the source and the counts sink. The counts' schema
     * is only looked up unless {@code schema-registry.auto-register} says otherwise: a production
     * job reads schemas, the deployment registers them.
     */
    public Map<String, String> serdeConfig() {
        Map<String, String> serde = new HashMap<>();
        serde.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        serde.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, Boolean.toString(registerSchemas));
        registryCredentials
                .userInfo()
                .ifPresent(userInfo -> serde.put(AvroSerdeConfig.BASIC_AUTH_USER_INFO, userInfo));
        return Map.copyOf(serde);
    }

    private static void refuseSecretOptions(Iterable<String> keys) {
        for (String key : keys) {
            String bare = key.startsWith("kafka.") ? key.substring("kafka.".length()) : key;
            if (KafkaSecurity.isSecurityKey(bare)) {
                throw new InvalidJobConfigException(
                        "'"
                                + key
                                + "' is refused: Kafka client security settings belong in the"
                                + " file named by "
                                + JobOptions.KAFKA_SECURITY_FILE.key()
                                + ", never in a parameter.");
            }
            if (key.contains("password") && !key.equals(JobOptions.JDBC_PASSWORD_FILE.key())) {
                throw new InvalidJobConfigException(
                        "'"
                                + key
                                + "' is refused: pass the password in "
                                + JobOptions.JDBC_PASSWORD_FILE.key()
                                + " or "
                                + PASSWORD_ENVIRONMENT_VARIABLE
                                + ", never as a parameter.");
            }
        }
    }

    private static JobSettings build(
            OptionValues given,
            String jdbcPassword,
            KafkaSecurity kafkaSecurity,
            RegistryCredentials registryCredentials) {
        String jobId = jobId(given.get(JobOptions.JOB_ID));
        Duration windowSize = given.get(JobOptions.WINDOW_SIZE);
        if (windowSize.isZero() || windowSize.isNegative()) {
            throw new InvalidJobConfigException("window.size must be positive");
        }
        refuseCredentialsInTheRegistryUrl(given.get(JobOptions.SCHEMA_REGISTRY_URL));
        EventTimeBounds eventTimeBounds = eventTimeBounds(given);
        RestartBackoff restarts = restarts(given);
        requireCountTimestampsWithinTheBrokersLimit(
                eventTimeBounds.maxAheadOfRecord(),
                windowSize,
                given.get(JobOptions.BROKER_TIMESTAMP_AFTER_MAX));
        int inputMaxMessageBytes = given.get(JobOptions.INPUT_MAX_MESSAGE_BYTES);
        if (inputMaxMessageBytes < 1024) {
            throw new InvalidJobConfigException(
                    "--kafka.input-max-message-bytes must be at least 1024, got "
                            + inputMaxMessageBytes);
        }
        int sideTopicMaxMessageBytes =
                Math.addExact(inputMaxMessageBytes, ForwardedRecord.MAX_BYTES_BEYOND_INPUT);
        if (given.get(JobOptions.CHECKPOINT_MIN_PAUSE).isNegative()) {
            throw new InvalidJobConfigException("checkpoint.min-pause must not be negative");
        }
        CheckpointTiming timing =
                new CheckpointTiming(
                        given.get(JobOptions.CHECKPOINT_INTERVAL),
                        given.get(JobOptions.CHECKPOINT_TIMEOUT),
                        given.get(JobOptions.CHECKPOINT_MIN_PAUSE));

        KafkaSinks kafka = new KafkaSinks(given, jobId, timing, restarts, kafkaSecurity);
        // Counts are small: the producer's default request size is plenty. Late visits and
        // dead letters are accounted for, so they are written exactly once too.
        KafkaSinkSettings countsToKafka =
                kafka.sink(
                        "counts",
                        JobOptions.OUTPUT_TOPIC,
                        given.get(JobOptions.KAFKA_GUARANTEE).toFlink(),
                        0);
        KafkaSinkSettings lateVisits =
                kafka.sink(
                        "late",
                        JobOptions.LATE_TOPIC,
                        DeliveryGuarantee.EXACTLY_ONCE,
                        sideTopicMaxMessageBytes);
        KafkaSinkSettings deadLetters =
                kafka.sink(
                        "dead-letters",
                        JobOptions.DEAD_LETTER_TOPIC,
                        DeliveryGuarantee.EXACTLY_ONCE,
                        sideTopicMaxMessageBytes);
        JdbcSinkSettings countsToDatabase =
                JdbcSinkSettings.builder("visit_counts")
                        .jdbcUrl(given.get(JobOptions.JDBC_URL))
                        .username(given.get(JobOptions.JDBC_USER))
                        .password(jdbcPassword)
                        .deliveryGuarantee(given.get(JobOptions.JDBC_GUARANTEE).toFlink())
                        .xidPrefix(given.find(JobOptions.XID_PREFIX).orElse(jobId))
                        .batchSize(given.get(JobOptions.JDBC_BATCH_SIZE))
                        .sessionIdleTimeout(JdbcSinkSettings.sessionIdleTimeoutFor(timing))
                        .commitMarkerRetention(
                                JdbcSinkSettings.commitMarkerRetentionFor(
                                        given.get(JobOptions.JDBC_COMMIT_MARKER_RETENTION), timing))
                        .build();
        TransactionalIds.requireDistinct(
                Map.of(
                        "counts", countsToKafka.transactionalIdPrefix(),
                        "late", lateVisits.transactionalIdPrefix(),
                        "dead-letters", deadLetters.transactionalIdPrefix(),
                        "visit_counts", countsToDatabase.xidPrefix()));

        Integer parallelism = given.get(JobOptions.PARALLELISM);
        return new JobSettings(
                given,
                jobId,
                given.find(JobOptions.JOB_NAME).orElse(jobId),
                given.find(JobOptions.CONSUMER_GROUP).orElse(jobId),
                given.get(JobOptions.BOOTSTRAP_SERVERS),
                kafkaSecurity,
                given.get(JobOptions.INPUT_TOPIC),
                given.get(JobOptions.SCHEMA_REGISTRY_URL),
                registryCredentials,
                given.get(JobOptions.SCHEMA_REGISTRY_AUTO_REGISTER),
                inputMaxMessageBytes,
                sideTopicMaxMessageBytes,
                windowSize,
                given.get(JobOptions.OUT_OF_ORDERNESS),
                given.get(JobOptions.IDLENESS),
                eventTimeBounds,
                timing,
                restarts,
                parallelism == null ? OptionalInt.empty() : OptionalInt.of(parallelism),
                given.get(JobOptions.START_FRESH),
                countsToKafka,
                lateVisits,
                deadLetters,
                countsToDatabase);
    }

    private static void refuseCredentialsInTheRegistryUrl(String url) {
        int scheme = url.indexOf("://");
        String authority = scheme < 0 ? "" : url.substring(scheme + 3).split("/", 2)[0];
        if (authority.contains("@")) {
            throw new InvalidJobConfigException(
                    "--"
                            + JobOptions.SCHEMA_REGISTRY_URL.key()
                            + " is refused: it carries credentials; put user:password in the file named"
                            + " by --"
                            + JobOptions.SCHEMA_REGISTRY_CREDENTIALS_FILE.key());
        }
    }

    private static String jobId(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new InvalidJobConfigException(
                    "--job.id: '"
                            + id
                            + "' must be 1-31 characters of [a-z0-9-], starting with a"
                            + " letter or digit");
        }
        return id;
    }

    private static EventTimeBounds eventTimeBounds(OptionValues given) {
        try {
            return new EventTimeBounds(
                    Instant.parse(given.get(JobOptions.EARLIEST_EVENT_TIME)),
                    given.get(JobOptions.MAX_AHEAD_OF_RECORD));
        } catch (DateTimeParseException e) {
            throw new InvalidJobConfigException(
                    "--event-time.earliest must be an ISO instant such as 2000-01-01T00:00:00Z", e);
        }
    }

    private static RestartBackoff restarts(OptionValues given) {
        try {
            return new RestartBackoff(
                    given.get(JobOptions.RESTART_ATTEMPTS),
                    given.get(JobOptions.RESTART_INITIAL_BACKOFF),
                    given.get(JobOptions.RESTART_MAX_BACKOFF),
                    given.get(JobOptions.RESTART_BACKOFF_MULTIPLIER),
                    given.get(JobOptions.RESTART_RESET_AFTER),
                    given.get(JobOptions.RESTART_JITTER),
                    given.get(JobOptions.RESTART_RECOVERY_TIME));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobConfigException(e.getMessage(), e);
        }
    }

    /**
     * A count is stamped with its window's end, which lies up to window.size after its latest
     * visit's event time, which lies up to event-time.max-ahead after that visit's record
     * timestamp. The broker refuses a record stamped more than log.message.timestamp.after.max.ms
     * after its own clock, and a refused count fails the job on every replay. What is left of the
     * broker's limit is the room for input producers whose clocks run ahead of the broker's.
     */
    private static void requireCountTimestampsWithinTheBrokersLimit(
            Duration maxAhead, Duration windowSize, Duration limit) {
        Duration furthest = maxAhead.plus(windowSize);
        if (furthest.compareTo(limit) >= 0) {
            throw new InvalidJobConfigException(
                    String.format(
                            "event-time.max-ahead (%s) + window.size (%s) = %s must stay below"
                                    + " kafka.broker-timestamp-after-max (%s): a count is stamped with"
                                    + " its window's end, up to that far after its input record's"
                                    + " timestamp, and the brokers refuse a timestamp further ahead than"
                                    + " log.message.timestamp.after.max.ms. Lower event-time.max-ahead or"
                                    + " window.size, or raise log.message.timestamp.after.max.ms on the"
                                    + " output topic and declare it in kafka.broker-timestamp-after-max.",
                            format(maxAhead), format(windowSize), format(furthest), format(limit)));
        }
    }

    private static String format(Duration duration) {
        return TimeUtils.formatWithHighestUnit(duration);
    }

    private static String readSecret(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidJobConfigException("cannot read secret file " + file, e);
        }
    }

    /** What the three Kafka sinks share. */
    private record KafkaSinks(
            OptionValues given,
            String jobId,
            CheckpointTiming timing,
            RestartBackoff restarts,
            KafkaSecurity security) {

        /**
         * @param maxRecordBytes the producer's max.request.size; 0 for Kafka's default
         */
        KafkaSinkSettings sink(
                String name,
                ConfigOption<String> topic,
                DeliveryGuarantee deliveryGuarantee,
                int maxRecordBytes) {
            KafkaSinkSettings.Builder builder = KafkaSinkSettings.builder(name);
            security.settings().forEach(builder::producerProperty);
            if (maxRecordBytes > 0) {
                builder.producerProperty(
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRecordBytes));
            }
            return builder.bootstrapServers(given.get(JobOptions.BOOTSTRAP_SERVERS))
                    .topic(given.get(topic))
                    .deliveryGuarantee(deliveryGuarantee)
                    .transactionalIdPrefix(
                            given.find(JobOptions.TRANSACTIONAL_ID_PREFIX).orElse(jobId)
                                    + '-'
                                    + name)
                    .transactionTimeout(given.get(JobOptions.TRANSACTION_TIMEOUT))
                    .restartAllowance(restarts.longestRestart())
                    .brokerMaxTransactionTimeout(
                            given.get(JobOptions.BROKER_MAX_TRANSACTION_TIMEOUT))
                    .build(timing);
        }
    }
}

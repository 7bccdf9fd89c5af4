package io.exactlyonce.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.InvalidSinkSettingsException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobSettingsTest {

    private static final String[] REQUIRED = TestOptions.REQUIRED;
    private static final String[] WITHOUT_IDENTITY = TestOptions.WITHOUT_IDENTITY;

    @Test
    void appliesTheDocumentedDefaults() {
        JobSettings config = JobSettings.fromArgs(REQUIRED, Map.of());

        assertThat(config.windowSize()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.checkpointTiming().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.checkpointTiming().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("shop-eu-counts");
    }

    @Test
    void namesAMissingRequiredOption() {
        assertThatThrownBy(
                        () -> JobSettings.fromArgs(new String[] {"--job.id", "shop-eu"}, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("--kafka.bootstrap-servers");
    }

    @Test
    void refusesAPasswordOnTheCommandLine() {
        String[] args = append(REQUIRED, "--jdbc.password", "secret");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining(JobSettings.PASSWORD_ENVIRONMENT_VARIABLE)
                .hasMessageNotContaining("secret");
    }

    @Test
    void refusesAnUnknownOption() {
        assertThatThrownBy(
                        () ->
                                JobSettings.fromArgs(
                                        append(REQUIRED, "--window.sise", "1 min"), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("window.sise")
                .hasMessageNotContaining("\n");
    }

    @Test
    void refusesATransactionTimeoutShorterThanACheckpointCanTake() {
        String[] args = append(REQUIRED, "--kafka.transaction-timeout", "30 s");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void readsThePasswordFromAFileAndNeverPrintsIt(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("password"), "s3cret\n");
        JobSettings config =
                JobSettings.fromArgs(
                        append(REQUIRED, "--jdbc.password-file", secret.toString()), Map.of());

        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.countsToDatabase().toString()).doesNotContain("s3cret");
    }

    @Test
    void argumentsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("job.properties"), "window.size=5 min\n");
        JobSettings config =
                JobSettings.fromArgs(append(REQUIRED, "--config", file.toString()), Map.of());
        JobSettings overridden =
                JobSettings.fromArgs(
                        append(
                                append(REQUIRED, "--config", file.toString()),
                                "--window.size",
                                "2 min"),
                        Map.of());

        assertThat(config.windowSize()).isEqualTo(Duration.ofMinutes(5));
        assertThat(overridden.windowSize()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void refusesATransactionTimeoutThatTwoSlowCheckpointsAndARestartCanOutlast() {
        // Interval 5 s, checkpoint timeout 60 s, min pause 1 s: the transaction opened at
        // checkpoint C is committed only after C+1 completes, up to 61 s + 60 s later, and a
        // restart comes on top. 70 s passed the old rule (interval + timeout = 65 s).
        String[] args = append(REQUIRED, "--kafka.transaction-timeout", "70 s");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("70 s");
    }

    /**
     * The writer's XA session must outlive its longest idle gap (first row to PREPARE) or the
     * server ends a transaction still being written; it must not outlive it by hours, or a session
     * whose close got lost keeps its prepared transaction from the committer.
     */
    @Test
    void derivesTheXaSessionIdleTimeoutFromTheCheckpointTiming() {
        JobSettings defaults = JobSettings.fromArgs(REQUIRED, Map.of());
        JobSettings slowCheckpoints =
                JobSettings.fromArgs(
                        append(
                                REQUIRED,
                                "--checkpoint.timeout",
                                "10 min",
                                "--kafka.transaction-timeout",
                                "30 min",
                                "--kafka.broker-max-transaction-timeout",
                                "1 h"),
                        Map.of());

        assertThat(defaults.countsToDatabase().sessionIdleTimeout())
                .as("5 s / 60 s / 1 s: 2 x 121 s is below the floor")
                .isEqualTo(Duration.ofMinutes(10));
        assertThat(slowCheckpoints.countsToDatabase().sessionIdleTimeout())
                .as("2 x (10 min 1 s + 10 min)")
                .isEqualTo(Duration.ofMinutes(40).plusSeconds(2));
    }

    @Test
    void keepsCommitMarkersForTheConfiguredTimeInCheckpoints() {
        JobSettings defaults = JobSettings.fromArgs(REQUIRED, Map.of());
        JobSettings thirtyDaysAtOneSecond =
                JobSettings.fromArgs(
                        append(
                                REQUIRED,
                                "--jdbc.commit-marker-retention",
                                "30 d",
                                "--checkpoint.interval",
                                "1 s"),
                        Map.of());

        assertThat(defaults.countsToDatabase().commitMarkerRetention())
                .as("7 days at 5 s")
                .isEqualTo(120_960);
        assertThat(thirtyDaysAtOneSecond.countsToDatabase().commitMarkerRetention())
                .isEqualTo(30 * 24 * 3600);
    }

    @Test
    void refusesAStartWithoutAJobIdentityInOneLine() {
        assertThatThrownBy(() -> JobSettings.fromArgs(WITHOUT_IDENTITY, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("--job.id")
                .hasMessageNotContaining("\n");
    }

    @Test
    void refusesAJobIdentityOutsideTheSafeAlphabet() {
        assertThatThrownBy(
                        () ->
                                JobSettings.fromArgs(
                                        append(WITHOUT_IDENTITY, "--job.id", "Shop EU"), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("Shop EU");
    }

    @Test
    void derivesEveryTransactionPrefixAndTheConsumerGroupFromTheJobIdentity() {
        JobSettings config = JobSettings.fromArgs(REQUIRED, Map.of());

        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("shop-eu-counts");
        assertThat(config.lateVisits().transactionalIdPrefix()).isEqualTo("shop-eu-late");
        assertThat(config.deadLetters().transactionalIdPrefix()).isEqualTo("shop-eu-dead-letters");
        assertThat(config.countsToDatabase().xidPrefix()).isEqualTo("shop-eu");
        assertThat(config.groupId()).isEqualTo("shop-eu");
        assertThat(config.jobName()).isEqualTo("shop-eu");
    }

    @Test
    void twoJobIdentitiesShareNoTransactionPrefix() {
        JobSettings first =
                JobSettings.fromArgs(append(WITHOUT_IDENTITY, "--job.id", "shop"), Map.of());
        JobSettings second =
                JobSettings.fromArgs(append(WITHOUT_IDENTITY, "--job.id", "shop-2"), Map.of());

        assertThat(prefixes(first)).doesNotContainAnyElementsOf(prefixes(second));
        assertThat(first.groupId()).isNotEqualTo(second.groupId());
    }

    @Test
    void explicitPrefixesStillOverrideTheDerivedOnes() {
        JobSettings config =
                JobSettings.fromArgs(
                        append(
                                REQUIRED,
                                "--kafka.transactional-id-prefix",
                                "visit-count",
                                "--jdbc.xid-prefix",
                                "visit-count"),
                        Map.of());

        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("visit-count-counts");
        assertThat(config.countsToDatabase().xidPrefix()).isEqualTo("visit-count");
    }

    @Test
    void refusesAnXaPrefixEqualToAKafkaSinksPrefix() {
        String[] args = append(REQUIRED, "--jdbc.xid-prefix", "shop-eu-counts");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("shop-eu-counts");
    }

    /** The configurations the project ships, as their deployments hand them to the job. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "deploy/cluster/job.properties.example",
                "deploy/compose/config/job.properties",
                "deploy/kubernetes/job-config.yaml"
            })
    void acceptsEveryShippedConfiguration(String file) throws Exception {
        Path path = Path.of("..").resolve(file);
        String text = Files.readString(path);
        if (file.endsWith(".yaml")) {
            // The properties file is the ConfigMap's literal block, indented by four spaces.
            text =
                    text.substring(text.indexOf("visit-count.properties: |") + 25)
                            .lines()
                            .takeWhile(line -> line.isBlank() || line.startsWith("    "))
                            .map(String::strip)
                            .collect(Collectors.joining("\n"));
        }
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> options = new HashMap<>();
        properties.stringPropertyNames().forEach(k -> options.put(k, properties.getProperty(k)));
        // The password file is a secret mounted where the job runs, not here.
        options.remove("jdbc.password-file");

        JobSettings config = JobSettings.of(options, "password");

        assertThat(config.jobId()).as(file).isNotBlank();
    }

    @Test
    void refusesCountsStampedFurtherAheadThanTheBrokerAccepts() {
        // The former default: a visit 1 h ahead of its record lands in a window ending up to
        // 1 h 1 min ahead, and Kafka 4 brokers refuse timestamps more than 1 h ahead.
        String[] args = append(REQUIRED, "--event-time.max-ahead", "1 h");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining(
                        "event-time.max-ahead (1 h) + window.size (1 min) = 61 min"
                                + " must stay below kafka.broker-timestamp-after-max (1 h)");
    }

    @Test
    void acceptsCountsJustWithinTheBrokersTimestampLimit() {
        JobSettings config =
                JobSettings.fromArgs(
                        append(
                                REQUIRED,
                                "--event-time.max-ahead",
                                "58 min",
                                "--window.size",
                                "1 min"),
                        Map.of());

        assertThat(config.eventTimeBounds().maxAheadOfRecord()).isEqualTo(Duration.ofMinutes(58));
    }

    @Test
    void sizesTheSideTopicProducersAboveTheInputTopicsLargestRecord() {
        JobSettings config =
                JobSettings.fromArgs(
                        append(REQUIRED, "--kafka.input-max-message-bytes", "2000000"), Map.of());

        assertThat(config.sideTopicMaxMessageBytes()).isEqualTo(2_000_000 + 32 * 1024);
        assertThat(config.deadLetters().producerProperties())
                .containsEntry("max.request.size", Integer.toString(2_000_000 + 32 * 1024));
        assertThat(config.lateVisits().producerProperties())
                .containsEntry("max.request.size", Integer.toString(2_000_000 + 32 * 1024));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "window.size              | 5 minuts     | --window.size: '5 minuts' is not a duration (e.g. 5 s, 500 ms, 2 min)",
                "checkpoint.timeout       | soon         | --checkpoint.timeout: 'soon' is not a duration (e.g. 5 s, 500 ms, 2 min)",
                "jdbc.batch-size          | 5OO          | --jdbc.batch-size: '5OO' is not a whole number",
                "restart.attempts         | 2.5          | --restart.attempts: '2.5' is not a whole number",
                "parallelism              | two          | --parallelism: 'two' is not a whole number",
                "restart.jitter           | a tenth      | --restart.jitter: 'a tenth' is not a number",
                "kafka.delivery-guarantee | EXACTLY_TWICE | --kafka.delivery-guarantee: 'EXACTLY_TWICE' is not one of EXACTLY_ONCE, AT_LEAST_ONCE, NONE",
                "start.fresh              | yes          | --start.fresh: 'yes' is not true or false"
            })
    void refusesAValueOfTheWrongTypeInOneLineNamingKeyAndValue(
            String key, String value, String message) {
        assertThatThrownBy(
                        () -> JobSettings.fromArgs(append(REQUIRED, "--" + key, value), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessage(message);
    }

    @Test
    void refusesAValueOfTheWrongTypeInTheConfigFileToo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("job.properties"), "checkpoint.interval=5\n");

        assertThatThrownBy(
                        () ->
                                JobSettings.fromArgs(
                                        append(
                                                REQUIRED,
                                                "--config",
                                                file.toString(),
                                                "--checkpoint.interval",
                                                "five seconds"),
                                        Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessage(
                        "--checkpoint.interval: 'five seconds' is not a duration"
                                + " (e.g. 5 s, 500 ms, 2 min)");
    }

    @Test
    void holdsTheValuesTyped() {
        JobSettings config =
                JobSettings.fromArgs(
                        append(
                                REQUIRED,
                                "--parallelism",
                                "3",
                                "--jdbc.delivery-guarantee",
                                "AT_LEAST_ONCE",
                                "--watermark.idleness",
                                "2 min",
                                "--start.fresh",
                                "true"),
                        Map.of());

        assertThat(config.parallelism()).hasValue(3);
        assertThat(config.countsToDatabase().deliveryGuarantee())
                .isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.idleness()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.startFresh()).isTrue();
        assertThat(JobSettings.fromArgs(REQUIRED, Map.of()).parallelism()).isEmpty();
    }

    @Test
    void takesTypedValuesFromCode() {
        JobSettings config =
                JobSettings.of(
                        JobOptions.COMMAND_LINE
                                .parse(REQUIRED)
                                .with(JobOptions.WINDOW_SIZE, Duration.ofSeconds(2))
                                .with(JobOptions.JDBC_BATCH_SIZE, 10),
                        "password");

        assertThat(config.windowSize()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.countsToDatabase().batchSize()).isEqualTo(10);
    }

    @Test
    void refusesATypedOptionThatIsNotTheJobs() {
        ConfigOption<Integer> foreign = ConfigOptions.key("events").intType().defaultValue(1);
        OptionValues given = JobOptions.COMMAND_LINE.parse(REQUIRED).with(foreign, 5);

        assertThatThrownBy(() -> JobSettings.of(given, ""))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessage("unknown option 'events'; --help lists every option");
    }

    /** What callers hand to {@code flink run} or write to a config file reads back the same. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "--parallelism 4 --window.size 500ms --checkpoint.interval 1500 ms",
                "--kafka.transaction-timeout 30 min --kafka.broker-max-transaction-timeout 1 h"
                        + " --checkpoint.timeout 10 min --restart.backoff-multiplier 1.5"
                        + " --restart.jitter 0 --kafka.delivery-guarantee AT_LEAST_ONCE"
                        + " --jdbc.delivery-guarantee at_least_once --start.fresh true",
                "--kafka.group-id shop-group --jdbc.xid-prefix shop-xa --job.name Shop EU counts"
                        + " --event-time.earliest 2020-01-01T00:00:00Z --kafka.input-max-message-bytes 2000000"
            })
    void turnsIntoArgumentsThatParseBackToTheSameSettings(String more, @TempDir Path dir)
            throws Exception {
        Path secret = Files.writeString(dir.resolve("password"), "s3cret");
        String[] args =
                append(
                        append(REQUIRED, splitOptions(more)),
                        "--jdbc.password-file",
                        secret.toString());
        JobSettings settings = JobSettings.fromArgs(args, Map.of());

        List<String> arguments = settings.toArguments();
        JobSettings again = JobSettings.fromArgs(arguments.toArray(String[]::new), Map.of());

        assertThat(again).isEqualTo(settings);
        assertThat(again.countsToDatabase()).isEqualTo(settings.countsToDatabase());
        assertThat(arguments).doesNotContain("s3cret");
    }

    @Test
    void turnsIntoPropertiesThatParseBackToTheSameSettings() {
        JobSettings settings =
                JobSettings.fromArgs(
                        append(REQUIRED, "--window.size", "90 s", "--restart.attempts", "7"),
                        Map.of());

        Map<String, String> properties = settings.options().toProperties();

        assertThat(properties)
                .containsEntry("window.size", "90 s")
                .containsEntry("restart.attempts", "7")
                .containsEntry("job.id", "shop-eu");
        assertThat(JobSettings.of(properties, "")).isEqualTo(settings);
    }

    @Test
    void typedOverridesReplaceWhatWasGiven() {
        JobSettings settings =
                JobSettings.fromArgs(append(REQUIRED, "--parallelism", "2"), Map.of());

        List<String> resumed =
                settings.options().with(OptionValues.of(JobOptions.PARALLELISM, 3)).toArguments();

        assertThat(String.join(" ", resumed))
                .contains("--parallelism 3")
                .doesNotContain("--parallelism 2");
        assertThat(JobSettings.fromArgs(resumed.toArray(String[]::new), Map.of()).parallelism())
                .hasValue(3);
    }

    @Test
    void printsEveryOptionWithItsDefaultInTheUsage() {
        String usage = JobSettings.usage();

        assertThat(usage.lines().filter(line -> line.startsWith("  --")))
                .hasSize(JobOptions.ALL.size());
        assertThat(usage)
                .contains("--job.id")
                .containsPattern(
                        "--kafka\\.bootstrap-servers +Kafka brokers, host:port\\[,host:port\\] \\(required\\)")
                .containsPattern("--window\\.size +tumbling event-time window size \\[1 min\\]")
                .containsPattern("--kafka\\.delivery-guarantee +.* \\[EXACTLY_ONCE\\]")
                .containsPattern("--kafka\\.input-max-message-bytes +.* \\[1048588\\]")
                .containsPattern("--restart\\.jitter +.* \\[0\\.1\\]")
                .containsPattern(
                        "--parallelism +job parallelism; empty for the cluster default\\n");
    }

    @Test
    void refusesAnOptionWithoutAValueInOneLine() {
        assertThatThrownBy(() -> JobSettings.fromArgs(append(REQUIRED, "--window.size"), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessage("--window.size needs a value");
    }

    private static String[] splitOptions(String options) {
        // "--key a value with spaces --next v" into key and value pairs.
        return Arrays.stream(options.split("(?=--)"))
                .map(String::strip)
                .filter(option -> !option.isEmpty())
                .flatMap(
                        option -> {
                            int space = option.indexOf(' ');
                            return Stream.of(
                                    option.substring(0, space), option.substring(space + 1));
                        })
                .toArray(String[]::new);
    }

    private static List<String> prefixes(JobSettings config) {
        return List.of(
                config.countsToKafka().transactionalIdPrefix(),
                config.lateVisits().transactionalIdPrefix(),
                config.deadLetters().transactionalIdPrefix(),
                config.countsToDatabase().xidPrefix());
    }

    private static String[] append(String[] args, String... more) {
        return TestOptions.append(args, more);
    }
}

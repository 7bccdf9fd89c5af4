package io.exactlyonce.pipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.InvalidSinkSettingsException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobConfigTest {

    private static final String[] REQUIRED = TestOptions.REQUIRED;
    private static final String[] WITHOUT_IDENTITY = TestOptions.WITHOUT_IDENTITY;

    @Test
    void appliesTheDocumentedDefaults() {
        JobConfig config = JobConfig.fromArgs(REQUIRED, Map.of());

        assertThat(config.windowSize()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.checkpointTiming().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.checkpointTiming().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("shop-eu-counts");
    }

    @Test
    void namesAMissingRequiredOption() {
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--job.id", "shop-eu"}, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("--kafka.bootstrap-servers");
    }

    @Test
    void refusesAPasswordOnTheCommandLine() {
        String[] args = append(REQUIRED, "--jdbc.password", "secret");

        assertThatThrownBy(() -> JobConfig.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining(JobConfig.PASSWORD_ENVIRONMENT_VARIABLE)
                .hasMessageNotContaining("secret");
    }

    @Test
    void refusesAnUnknownOption() {
        assertThatThrownBy(() -> JobConfig.fromArgs(append(REQUIRED, "--window.sise", "1 min"), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("window.sise");
    }

    @Test
    void refusesATransactionTimeoutShorterThanACheckpointCanTake() {
        String[] args = append(REQUIRED, "--kafka.transaction-timeout", "30 s");

        assertThatThrownBy(() -> JobConfig.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void readsThePasswordFromAFileAndNeverPrintsIt(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("password"), "s3cret\n");
        JobConfig config = JobConfig.fromArgs(
                append(REQUIRED, "--jdbc.password-file", secret.toString()), Map.of());

        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.countsToDatabase().toString()).doesNotContain("s3cret");
    }

    @Test
    void argumentsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("job.properties"), "window.size=5 min\n");
        JobConfig config = JobConfig.fromArgs(
                append(REQUIRED, "--config", file.toString()), Map.of());
        JobConfig overridden = JobConfig.fromArgs(
                append(append(REQUIRED, "--config", file.toString()), "--window.size", "2 min"),
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

        assertThatThrownBy(() -> JobConfig.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("70 s");
    }

    /**
     * The writer's XA session must outlive its longest idle gap (first row to PREPARE) or the
     * server ends a transaction still being written; it must not outlive it by hours, or a
     * session whose close got lost keeps its prepared transaction from the committer.
     */
    @Test
    void derivesTheXaSessionIdleTimeoutFromTheCheckpointTiming() {
        JobConfig defaults = JobConfig.fromArgs(REQUIRED, Map.of());
        JobConfig slowCheckpoints = JobConfig.fromArgs(
                append(REQUIRED, "--checkpoint.timeout", "10 min", "--kafka.transaction-timeout",
                        "30 min", "--kafka.broker-max-transaction-timeout", "1 h"),
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
        JobConfig defaults = JobConfig.fromArgs(REQUIRED, Map.of());
        JobConfig thirtyDaysAtOneSecond = JobConfig.fromArgs(
                append(REQUIRED, "--jdbc.commit-marker-retention", "30 d",
                        "--checkpoint.interval", "1 s"),
                Map.of());

        assertThat(defaults.countsToDatabase().commitMarkerRetention())
                .as("7 days at 5 s").isEqualTo(120_960);
        assertThat(thirtyDaysAtOneSecond.countsToDatabase().commitMarkerRetention())
                .isEqualTo(30 * 24 * 3600);
    }

    @Test
    void refusesAStartWithoutAJobIdentityInOneLine() {
        assertThatThrownBy(() -> JobConfig.fromArgs(WITHOUT_IDENTITY, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("--job.id")
                .hasMessageNotContaining("\n");
    }

    @Test
    void refusesAJobIdentityOutsideTheSafeAlphabet() {
        assertThatThrownBy(() -> JobConfig.fromArgs(append(WITHOUT_IDENTITY, "--job.id", "Shop EU"), Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("Shop EU");
    }

    @Test
    void derivesEveryTransactionPrefixAndTheConsumerGroupFromTheJobIdentity() {
        JobConfig config = JobConfig.fromArgs(REQUIRED, Map.of());

        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("shop-eu-counts");
        assertThat(config.lateVisits().transactionalIdPrefix()).isEqualTo("shop-eu-late");
        assertThat(config.deadLetters().transactionalIdPrefix()).isEqualTo("shop-eu-dead-letters");
        assertThat(config.countsToDatabase().xidPrefix()).isEqualTo("shop-eu");
        assertThat(config.groupId()).isEqualTo("shop-eu");
        assertThat(config.jobName()).isEqualTo("shop-eu");
    }

    @Test
    void twoJobIdentitiesShareNoTransactionPrefix() {
        JobConfig first = JobConfig.fromArgs(append(WITHOUT_IDENTITY, "--job.id", "shop"), Map.of());
        JobConfig second = JobConfig.fromArgs(append(WITHOUT_IDENTITY, "--job.id", "shop-2"), Map.of());

        assertThat(prefixes(first)).doesNotContainAnyElementsOf(prefixes(second));
        assertThat(first.groupId()).isNotEqualTo(second.groupId());
    }

    @Test
    void explicitPrefixesStillOverrideTheDerivedOnes() {
        JobConfig config = JobConfig.fromArgs(append(REQUIRED,
                "--kafka.transactional-id-prefix", "visit-count",
                "--jdbc.xid-prefix", "visit-count"), Map.of());

        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("visit-count-counts");
        assertThat(config.countsToDatabase().xidPrefix()).isEqualTo("visit-count");
    }

    @Test
    void refusesAnXaPrefixEqualToAKafkaSinksPrefix() {
        String[] args = append(REQUIRED, "--jdbc.xid-prefix", "shop-eu-counts");

        assertThatThrownBy(() -> JobConfig.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("shop-eu-counts");
    }

    /** The configurations the project ships, as their deployments hand them to the job. */
    @ParameterizedTest
    @ValueSource(strings = {
        "deploy/cluster/job.properties.example",
        "deploy/compose/config/job.properties",
        "deploy/kubernetes/job-config.yaml"})
    void acceptsEveryShippedConfiguration(String file) throws Exception {
        Path path = Path.of("..").resolve(file);
        String text = Files.readString(path);
        if (file.endsWith(".yaml")) {
            // The properties file is the ConfigMap's literal block, indented by four spaces.
            text = text.substring(text.indexOf("visit-count.properties: |") + 25)
                    .lines().takeWhile(line -> line.isBlank() || line.startsWith("    "))
                    .map(String::strip).collect(Collectors.joining("\n"));
        }
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> options = new HashMap<>();
        properties.stringPropertyNames().forEach(k -> options.put(k, properties.getProperty(k)));
        // The password file is a secret mounted where the job runs, not here.
        options.remove("jdbc.password-file");

        JobConfig config = JobConfig.of(options, "password");

        assertThat(config.jobId()).as(file).isNotBlank();
    }

    @Test
    void refusesCountsStampedFurtherAheadThanTheBrokerAccepts() {
        // The former default: a visit 1 h ahead of its record lands in a window ending up to
        // 1 h 1 min ahead, and Kafka 4 brokers refuse timestamps more than 1 h ahead.
        String[] args = append(REQUIRED, "--event-time.max-ahead", "1 h");

        assertThatThrownBy(() -> JobConfig.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("event-time.max-ahead (1 h) + window.size (1 min) = 61 min"
                        + " must stay below kafka.broker-timestamp-after-max (1 h)");
    }

    @Test
    void acceptsCountsJustWithinTheBrokersTimestampLimit() {
        JobConfig config = JobConfig.fromArgs(append(REQUIRED,
                "--event-time.max-ahead", "58 min", "--window.size", "1 min"), Map.of());

        assertThat(config.eventTimeBounds().maxAheadOfRecord()).isEqualTo(Duration.ofMinutes(58));
    }

    @Test
    void sizesTheSideTopicProducersAboveTheInputTopicsLargestRecord() {
        JobConfig config = JobConfig.fromArgs(
                append(REQUIRED, "--kafka.input-max-message-bytes", "2000000"), Map.of());

        assertThat(config.sideTopicMaxMessageBytes()).isEqualTo(2_000_000 + 32 * 1024);
        assertThat(config.deadLetters().producerProperties())
                .containsEntry("max.request.size", Integer.toString(2_000_000 + 32 * 1024));
        assertThat(config.lateVisits().producerProperties())
                .containsEntry("max.request.size", Integer.toString(2_000_000 + 32 * 1024));
    }

    private static List<String> prefixes(JobConfig config) {
        return List.of(config.countsToKafka().transactionalIdPrefix(),
                config.lateVisits().transactionalIdPrefix(),
                config.deadLetters().transactionalIdPrefix(),
                config.countsToDatabase().xidPrefix());
    }

    private static String[] append(String[] args, String... more) {
        return TestOptions.append(args, more);
    }
}

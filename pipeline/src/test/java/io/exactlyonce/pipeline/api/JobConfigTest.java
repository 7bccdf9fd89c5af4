package io.exactlyonce.pipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.InvalidSinkSettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    private static final String[] REQUIRED = {
        "--kafka.bootstrap-servers", "broker:9092",
        "--schema-registry.url", "http://registry:8081",
        "--jdbc.url", "jdbc:mysql://db:3306/visits",
        "--jdbc.user", "visit_count"
    };

    @Test
    void appliesTheDocumentedDefaults() {
        JobConfig config = JobConfig.fromArgs(REQUIRED, Map.of());

        assertThat(config.windowSize()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.checkpointTiming().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.checkpointTiming().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.countsToKafka().transactionalIdPrefix()).isEqualTo("visit-count-counts");
    }

    @Test
    void namesAMissingRequiredOption() {
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[0], Map.of()))
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

    private static String[] append(String[] args, String... more) {
        String[] all = new String[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }
}

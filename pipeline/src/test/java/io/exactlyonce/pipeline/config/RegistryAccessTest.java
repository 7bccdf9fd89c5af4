package io.exactlyonce.pipeline.config;

import static io.exactlyonce.pipeline.config.TestOptions.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.serde.AvroSerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the job reaches the schema registry: credentials from a file, no registration by default. */
class RegistryAccessTest {

    @Test
    void theJobLooksTheCountsSchemaUpAndRegistersNothingByDefault() {
        JobSettings config = JobSettings.fromArgs(TestOptions.REQUIRED, Map.of());

        assertThat(AvroSerdeConfig.fromMap(config.serdeConfig()).autoRegisterSchemas()).isFalse();
        assertThat(config.serdeConfig()).doesNotContainKey(AvroSerdeConfig.BASIC_AUTH_USER_INFO);
    }

    @Test
    void registersOnlyWhenToldTo() {
        JobSettings config =
                JobSettings.fromArgs(
                        append(TestOptions.REQUIRED, "--schema-registry.auto-register", "true"),
                        Map.of());

        assertThat(AvroSerdeConfig.fromMap(config.serdeConfig()).autoRegisterSchemas()).isTrue();
    }

    @Test
    void readsBasicAuthCredentialsFromAFileAndNeverPrintsThePassword(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("registry"), "visit-count:s3cret\n");
        JobSettings config =
                JobSettings.fromArgs(
                        append(
                                TestOptions.REQUIRED,
                                "--schema-registry.credentials-file",
                                file.toString()),
                        Map.of());

        assertThat(config.serdeConfig())
                .containsEntry(AvroSerdeConfig.BASIC_AUTH_USER_INFO, "visit-count:s3cret");
        assertThat(AvroSerdeConfig.fromMap(config.serdeConfig()).hasBasicAuth()).isTrue();
        assertThat(config.toString()).doesNotContain("s3cret").contains("user=visit-count");
        assertThat(config.toArguments()).noneMatch(argument -> argument.contains("s3cret"));
    }

    @Test
    void refusesAFileThatIsNotUserColonPassword(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("registry"), "s3cret\n");
        String[] args =
                append(TestOptions.REQUIRED, "--schema-registry.credentials-file", file.toString());

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("user:password")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void refusesCredentialsInTheRegistryUrl() {
        String[] args = TestOptions.REQUIRED.clone();
        args[3] = "http://visit-count:s3cret@registry:8081";

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("schema-registry.credentials-file")
                .hasMessageNotContaining("s3cret");
    }
}

package io.exactlyonce.pipeline.config;

import static io.exactlyonce.pipeline.config.TestOptions.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KafkaSecurityTest {

    private static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule"
                    + " required username=\"visit-count\" password=\"s3cret-jaas\";";

    /** SASL_SSL with SCRAM-SHA-512 and the login module: the lines every full file starts with. */
    private static final String SCRAM_OVER_TLS =
            "security.protocol=SASL_SSL\n"
                    + "sasl.mechanism=SCRAM-SHA-512\n"
                    + "sasl.jaas.config="
                    + JAAS
                    + "\n";

    @Test
    void givesTheFilesSettingsToTheSourceEverySinkAndTheStartCheck(@TempDir Path dir)
            throws Exception {
        JobSettings config =
                withSecurityFile(
                        dir,
                        SCRAM_OVER_TLS
                                + "ssl.truststore.type=PEM\n"
                                + "ssl.truststore.location=/etc/visit-count/ca.pem\n");

        assertThat(config.kafkaSecurity().settings())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.truststore.location", "/etc/visit-count/ca.pem");
        for (var sink :
                new io.exactlyonce.sinks.kafka.KafkaSinkSettings[] {
                    config.countsToKafka(), config.lateVisits(), config.deadLetters()
                }) {
            assertThat(sink.producerProperties())
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", JAAS);
        }
        Properties client = config.kafkaClientProperties();
        assertThat(client)
                .containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("ssl.truststore.type", "PEM");
    }

    @Test
    void neverPrintsAValue(@TempDir Path dir) throws Exception {
        JobSettings config =
                withSecurityFile(dir, SCRAM_OVER_TLS + "ssl.truststore.password=s3cret-store\n");

        assertThat(config.toString()).doesNotContain("s3cret").contains("sasl.jaas.config");
        assertThat(config.toArguments()).noneMatch(argument -> argument.contains("s3cret"));
        assertThat(config.countsToKafka().toString()).doesNotContain("s3cret");
    }

    @Test
    void refusesAnyOtherKeyInTheFile(@TempDir Path dir) throws Exception {
        Path file = securityFile(dir, "security.protocol=SSL\nacks=0\n");

        assertThatThrownBy(() -> KafkaSecurity.read(file))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("'acks'")
                .hasMessageContaining("security.protocol, sasl.* and ssl.* only");
    }

    @Test
    void refusesAProtocolKafkaDoesNotKnow(@TempDir Path dir) throws Exception {
        Path file = securityFile(dir, "security.protocol=TLS\n");

        assertThatThrownBy(() -> KafkaSecurity.read(file))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("'TLS'")
                .hasMessageContaining("SASL_SSL");
    }

    @Test
    void refusesSettingsThatWouldBeIgnoredWithoutAProtocol(@TempDir Path dir) throws Exception {
        Path file = securityFile(dir, "ssl.truststore.location=/ca.pem\n");

        assertThatThrownBy(() -> KafkaSecurity.read(file))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("no security.protocol");
    }

    @Test
    void refusesSaslWithoutALoginModule(@TempDir Path dir) throws Exception {
        Path file = securityFile(dir, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");

        assertThatThrownBy(() -> KafkaSecurity.read(file))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("needs sasl.jaas.config");
    }

    @Test
    void namesAMissingFileInOneLine(@TempDir Path dir) {
        String[] args =
                append(
                        TestOptions.REQUIRED,
                        "--kafka.security-file",
                        dir.resolve("absent.properties").toString());

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("--kafka.security-file: no file")
                .hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "sasl.jaas.config",
                "kafka.sasl.jaas.config",
                "security.protocol",
                "ssl.keystore.password",
                "kafka.ssl.truststore.location"
            })
    void refusesSecuritySettingsAsParameters(String key) {
        String[] args = append(TestOptions.REQUIRED, "--" + key, "s3cret-value");

        assertThatThrownBy(() -> JobSettings.fromArgs(args, Map.of()))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("'" + key + "' is refused")
                .hasMessageContaining("kafka.security-file")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void withoutAFileTheClientsTalkAsBefore() {
        JobSettings config = JobSettings.fromArgs(TestOptions.REQUIRED, Map.of());

        assertThat(config.kafkaSecurity()).isEqualTo(KafkaSecurity.NONE);
        assertThat(config.countsToKafka().producerProperties())
                .doesNotContainKey("security.protocol");
    }

    /** The job's settings with a security file holding {@code content}. */
    private static JobSettings withSecurityFile(Path dir, String content) throws Exception {
        Path file = securityFile(dir, content);
        return JobSettings.fromArgs(
                append(TestOptions.REQUIRED, "--kafka.security-file", file.toString()), Map.of());
    }

    private static Path securityFile(Path dir, String content) throws Exception {
        return Files.writeString(dir.resolve("kafka-client.properties"), content);
    }
}

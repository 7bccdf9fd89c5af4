package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

    @Test
    void appliesDefaults() {
        AvroSerdeConfig config = AvroSerdeConfig.fromMap(Map.of());

        assertThat(config.schemaRegistryUrl()).isEmpty();
        assertThat(config.autoRegisterSchemas()).isTrue();
        assertThat(config.schemaRegistryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.unknownSchemaIdRetries())
                .isEqualTo(new UnknownSchemaIdRetries(2, Duration.ofMillis(200)));
    }

    @Test
    void readsBasicAuthCredentialsAndHidesThem() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(
                        Map.of(
                                "schema.registry.url", "http://registry:8081",
                                "basic.auth.credentials.source", "USER_INFO",
                                "basic.auth.user.info", "job:s3cret"));

        assertThat(config.hasBasicAuth()).isTrue();
        assertThat(config.toString())
                .contains("basic.auth.user.info=[hidden]")
                .doesNotContain("s3cret");
        assertThat(config.newRegistryClient().toString()).doesNotContain("s3cret");
    }

    @Test
    void refusesMalformedCredentialsWithoutRepeatingThem() {
        assertThatThrownBy(() -> AvroSerdeConfig.fromMap(Map.of("basic.auth.user.info", "s3cret")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("user:password")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(
                        () ->
                                AvroSerdeConfig.fromMap(
                                        Map.of("basic.auth.credentials.source", "URL")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("USER_INFO");
    }

    @Test
    void readsTheRetriesForAnUnknownSchemaId() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(
                        Map.of(
                                "unknown.schema.id.retries",
                                "0",
                                "unknown.schema.id.retry.backoff.ms",
                                50));

        assertThat(config.unknownSchemaIdRetries())
                .isEqualTo(new UnknownSchemaIdRetries(0, Duration.ofMillis(50)));
    }

    @Test
    void refusesANegativeOrNonNumericRetryCountNamingTheKey() {
        assertThatThrownBy(() -> AvroSerdeConfig.fromMap(Map.of("unknown.schema.id.retries", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown.schema.id.retries");
        assertThatThrownBy(
                        () ->
                                AvroSerdeConfig.fromMap(
                                        Map.of("unknown.schema.id.retry.backoff.ms", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown.schema.id.retry.backoff.ms");
    }

    @Test
    void readsStringValuesAsFromAPropertiesFile() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(
                        Map.of(
                                "schema.registry.url", " http://registry:8081 ",
                                "auto.register.schemas", "FALSE",
                                "schema.registry.timeout.ms", "2500"));

        assertThat(config.schemaRegistryUrl()).contains("http://registry:8081");
        assertThat(config.autoRegisterSchemas()).isFalse();
        assertThat(config.schemaRegistryTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void readsTypedValues() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(
                        Map.of("auto.register.schemas", false, "schema.registry.timeout.ms", 1500));

        assertThat(config.autoRegisterSchemas()).isFalse();
        assertThat(config.schemaRegistryTimeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void creatingAClientWithoutAUrlNamesTheMissingKey() {
        AvroSerdeConfig config = AvroSerdeConfig.fromMap(Map.of());

        assertThatThrownBy(config::newRegistryClient)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Missing required configuration \"schema.registry.url\"");
    }

    @Test
    void createsAnHttpClientForTheConfiguredUrl() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(Map.of("schema.registry.url", "http://registry:8081/"));

        assertThat(config.newRegistryClient())
                .isInstanceOf(HttpSchemaRegistryClient.class)
                .hasToString("HttpSchemaRegistryClient[http://registry:8081]");
    }

    @Test
    void rejectsANonHttpUrlNamingTheKey() {
        AvroSerdeConfig config =
                AvroSerdeConfig.fromMap(Map.of("schema.registry.url", "registry:8081"));

        assertThatThrownBy(config::newRegistryClient)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void rejectsAListOfUrls() {
        assertThatThrownBy(
                        () ->
                                AvroSerdeConfig.fromMap(
                                        Map.of(
                                                "schema.registry.url",
                                                "http://a:8081,http://b:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url")
                .hasMessageContaining("single URL");
    }

    @Test
    void rejectsAMalformedBooleanNamingTheKey() {
        assertThatThrownBy(() -> AvroSerdeConfig.fromMap(Map.of("auto.register.schemas", "yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auto.register.schemas")
                .hasMessageContaining("true or false");
    }

    @Test
    void rejectsAMalformedOrNonPositiveTimeoutNamingTheKey() {
        assertThatThrownBy(
                        () -> AvroSerdeConfig.fromMap(Map.of("schema.registry.timeout.ms", "10s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.timeout.ms");
        assertThatThrownBy(() -> AvroSerdeConfig.fromMap(Map.of("schema.registry.timeout.ms", 0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.timeout.ms")
                .hasMessageContaining("positive");
    }
}

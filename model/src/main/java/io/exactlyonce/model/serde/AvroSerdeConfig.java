package io.exactlyonce.model.serde;

import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde's settings, read from the Kafka client configuration map passed to {@code configure}. Keys
 * and defaults follow Confluent's serde where they overlap, so existing client configs carry over.
 */
public final class AvroSerdeConfig {

    /** Base URL of the registry, with any path prefix. Required unless the serde was given a client. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Whether the serializer registers its schema, or only looks it up. Default {@code true}. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Connect and request timeout for registry calls, in milliseconds. Default 10000. */
    public static final String SCHEMA_REGISTRY_TIMEOUT_MS = "schema.registry.timeout.ms";

    public static final boolean DEFAULT_AUTO_REGISTER_SCHEMAS = true;
    public static final Duration DEFAULT_SCHEMA_REGISTRY_TIMEOUT = HttpSchemaRegistryClient.DEFAULT_TIMEOUT;

    private final String schemaRegistryUrl;
    private final boolean autoRegisterSchemas;
    private final Duration schemaRegistryTimeout;

    private AvroSerdeConfig(String schemaRegistryUrl, boolean autoRegisterSchemas, Duration schemaRegistryTimeout) {
        this.schemaRegistryUrl = schemaRegistryUrl;
        this.autoRegisterSchemas = autoRegisterSchemas;
        this.schemaRegistryTimeout = schemaRegistryTimeout;
    }

    /**
     * Reads the serde's keys from a Kafka client configuration; other keys are ignored. Values may be
     * typed ({@code Boolean}, {@code Number}) or strings, as in a properties file.
     *
     * @throws ConfigException naming the key, if a value is malformed
     */
    public static AvroSerdeConfig fromMap(Map<String, ?> configs) {
        return new AvroSerdeConfig(
                url(configs.get(SCHEMA_REGISTRY_URL)),
                bool(configs.get(AUTO_REGISTER_SCHEMAS)),
                timeout(configs.get(SCHEMA_REGISTRY_TIMEOUT_MS)));
    }

    public Optional<String> schemaRegistryUrl() {
        return Optional.ofNullable(schemaRegistryUrl);
    }

    public boolean autoRegisterSchemas() {
        return autoRegisterSchemas;
    }

    public Duration schemaRegistryTimeout() {
        return schemaRegistryTimeout;
    }

    /**
     * Creates an HTTP client for the configured registry.
     *
     * @throws ConfigException if {@value #SCHEMA_REGISTRY_URL} is not set or not an http(s) URL
     */
    public SchemaRegistryClient newRegistryClient() {
        if (schemaRegistryUrl == null) {
            throw new ConfigException("Missing required configuration \"" + SCHEMA_REGISTRY_URL
                    + "\": the schema registry's base URL, e.g. http://localhost:8081");
        }
        try {
            return new HttpSchemaRegistryClient(schemaRegistryUrl, schemaRegistryTimeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, schemaRegistryUrl, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AvroSerdeConfig{" + SCHEMA_REGISTRY_URL + "=" + schemaRegistryUrl
                + ", " + AUTO_REGISTER_SCHEMAS + "=" + autoRegisterSchemas
                + ", " + SCHEMA_REGISTRY_TIMEOUT_MS + "=" + schemaRegistryTimeout.toMillis() + "}";
    }

    private static String url(Object value) {
        if (value == null) {
            return null;
        }
        String url = value.toString().strip();
        if (url.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, value, "must not be blank");
        }
        // Confluent accepts a list of URLs to fail over between; this client talks to one.
        if (url.contains(",")) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, value, "only a single URL is supported");
        }
        return url;
    }

    private static boolean bool(Object value) {
        if (value == null) {
            return DEFAULT_AUTO_REGISTER_SCHEMAS;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(AUTO_REGISTER_SCHEMAS, value, "must be true or false");
        };
    }

    private static Duration timeout(Object value) {
        if (value == null) {
            return DEFAULT_SCHEMA_REGISTRY_TIMEOUT;
        }
        long millis;
        try {
            millis = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(SCHEMA_REGISTRY_TIMEOUT_MS, value, "must be a number of milliseconds");
        }
        if (millis <= 0) {
            throw new ConfigException(SCHEMA_REGISTRY_TIMEOUT_MS, value, "must be positive");
        }
        return Duration.ofMillis(millis);
    }
}

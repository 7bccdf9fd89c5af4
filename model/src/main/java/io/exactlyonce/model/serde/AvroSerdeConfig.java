package io.exactlyonce.model.serde;

import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde's settings, read from the Kafka client configuration map passed to {@code configure}.
 * Keys and defaults follow Confluent's serde where they overlap, so existing client configs carry
 * over.
 */
public final class AvroSerdeConfig {

    /**
     * Base URL of the registry, with any path prefix. Required unless the serde was given a client.
     */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    /** Whether the serializer registers its schema, or only looks it up. Default {@code true}. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

    /**
     * Where HTTP basic-auth credentials come from; only {@code USER_INFO} ({@value
     * #BASIC_AUTH_USER_INFO}) is supported, and it is the default when that key is set.
     */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

    /** {@code user:password} for HTTP basic auth against the registry; never printed. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

    /** Connect and request timeout for registry calls, in milliseconds. Default 10000. */
    public static final String SCHEMA_REGISTRY_TIMEOUT_MS = "schema.registry.timeout.ms";

    /**
     * How many more times the deserializer looks up a schema id the registry answered "not found"
     * for, before it counts the id as unknown. Default 2. A registry replica may not have a schema
     * yet that was just registered on its leader.
     */
    public static final String UNKNOWN_SCHEMA_ID_RETRIES = "unknown.schema.id.retries";

    /**
     * Wait before the first repeated lookup of an unknown id, doubled for each further one. Default
     * 200.
     */
    public static final String UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS =
            "unknown.schema.id.retry.backoff.ms";

    public static final boolean DEFAULT_AUTO_REGISTER_SCHEMAS = true;
    public static final int DEFAULT_UNKNOWN_SCHEMA_ID_RETRIES = 2;
    public static final Duration DEFAULT_UNKNOWN_SCHEMA_ID_RETRY_BACKOFF = Duration.ofMillis(200);
    // The first record naming an id that never appears waits out every retry, holding its
    // partition.
    private static final int MAX_UNKNOWN_SCHEMA_ID_RETRIES = 10;
    private static final long MAX_UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS = 10_000;
    public static final Duration DEFAULT_SCHEMA_REGISTRY_TIMEOUT =
            HttpSchemaRegistryClient.DEFAULT_TIMEOUT;

    private final String schemaRegistryUrl;
    private final boolean autoRegisterSchemas;
    private final Duration schemaRegistryTimeout;
    private final UnknownSchemaIdRetries unknownSchemaIdRetries;
    private final String basicAuthUserInfo;

    private AvroSerdeConfig(
            String schemaRegistryUrl,
            boolean autoRegisterSchemas,
            Duration schemaRegistryTimeout,
            UnknownSchemaIdRetries unknownSchemaIdRetries,
            String basicAuthUserInfo) {
        this.basicAuthUserInfo = basicAuthUserInfo;
        this.schemaRegistryUrl = schemaRegistryUrl;
        this.autoRegisterSchemas = autoRegisterSchemas;
        this.schemaRegistryTimeout = schemaRegistryTimeout;
        this.unknownSchemaIdRetries = unknownSchemaIdRetries;
    }

    /**
     * Reads the serde's keys from a Kafka client configuration; other keys are ignored. Values may
     * be typed ({@code Boolean}, {@code Number}) or strings, as in a properties file.
     *
     * @throws ConfigException naming the key, if a value is malformed
     */
    public static AvroSerdeConfig fromMap(Map<String, ?> configs) {
        return new AvroSerdeConfig(
                url(configs.get(SCHEMA_REGISTRY_URL)),
                bool(configs.get(AUTO_REGISTER_SCHEMAS)),
                timeout(configs.get(SCHEMA_REGISTRY_TIMEOUT_MS)),
                new UnknownSchemaIdRetries(
                        (int)
                                nonNegative(
                                        UNKNOWN_SCHEMA_ID_RETRIES,
                                        configs.get(UNKNOWN_SCHEMA_ID_RETRIES),
                                        DEFAULT_UNKNOWN_SCHEMA_ID_RETRIES,
                                        MAX_UNKNOWN_SCHEMA_ID_RETRIES),
                        Duration.ofMillis(
                                nonNegative(
                                        UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS,
                                        configs.get(UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS),
                                        DEFAULT_UNKNOWN_SCHEMA_ID_RETRY_BACKOFF.toMillis(),
                                        MAX_UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS))),
                userInfo(
                        configs.get(BASIC_AUTH_CREDENTIALS_SOURCE),
                        configs.get(BASIC_AUTH_USER_INFO)));
    }

    /** Whether registry calls carry basic-auth credentials. */
    public boolean hasBasicAuth() {
        return basicAuthUserInfo != null;
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

    public UnknownSchemaIdRetries unknownSchemaIdRetries() {
        return unknownSchemaIdRetries;
    }

    /**
     * Creates an HTTP client for the configured registry.
     *
     * @throws ConfigException if {@value #SCHEMA_REGISTRY_URL} is not set or not an http(s) URL
     */
    public SchemaRegistryClient newRegistryClient() {
        if (schemaRegistryUrl == null) {
            throw new ConfigException(
                    "Missing required configuration \""
                            + SCHEMA_REGISTRY_URL
                            + "\": the schema registry's base URL, e.g. http://localhost:8081");
        }
        try {
            return new HttpSchemaRegistryClient(
                    schemaRegistryUrl, schemaRegistryTimeout, basicAuthUserInfo);
        } catch (IllegalArgumentException e) {
            // The message, not the URL: a URL with credentials in it must not be repeated.
            throw new ConfigException(
                    "Invalid value for configuration "
                            + SCHEMA_REGISTRY_URL
                            + ": "
                            + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AvroSerdeConfig{"
                + SCHEMA_REGISTRY_URL
                + "="
                + schemaRegistryUrl
                + ", "
                + AUTO_REGISTER_SCHEMAS
                + "="
                + autoRegisterSchemas
                + ", "
                + SCHEMA_REGISTRY_TIMEOUT_MS
                + "="
                + schemaRegistryTimeout.toMillis()
                + ", "
                + UNKNOWN_SCHEMA_ID_RETRIES
                + "="
                + unknownSchemaIdRetries.retries()
                + ", "
                + UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS
                + "="
                + unknownSchemaIdRetries.backoff().toMillis()
                + (basicAuthUserInfo == null ? "" : ", " + BASIC_AUTH_USER_INFO + "=[hidden]")
                + "}";
    }

    private static String userInfo(Object source, Object value) {
        if (source != null && !"USER_INFO".equals(source.toString().strip())) {
            throw new ConfigException(
                    BASIC_AUTH_CREDENTIALS_SOURCE, source, "only USER_INFO is supported");
        }
        if (value == null) {
            if (source != null) {
                throw new ConfigException(
                        "Missing required configuration \""
                                + BASIC_AUTH_USER_INFO
                                + "\" for "
                                + BASIC_AUTH_CREDENTIALS_SOURCE
                                + "=USER_INFO");
            }
            return null;
        }
        String userInfo = value.toString().strip();
        // The value is a secret: refusals name the key only.
        if (userInfo.indexOf(':') < 1) {
            throw new ConfigException(
                    "Invalid value for configuration "
                            + BASIC_AUTH_USER_INFO
                            + ": expected user:password");
        }
        return userInfo;
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
            default ->
                    throw new ConfigException(
                            AUTO_REGISTER_SCHEMAS, value, "must be true or false");
        };
    }

    private static Duration timeout(Object value) {
        if (value == null) {
            return DEFAULT_SCHEMA_REGISTRY_TIMEOUT;
        }
        long millis =
                wholeNumber(SCHEMA_REGISTRY_TIMEOUT_MS, value, "must be a number of milliseconds");
        if (millis <= 0) {
            throw new ConfigException(SCHEMA_REGISTRY_TIMEOUT_MS, value, "must be positive");
        }
        return Duration.ofMillis(millis);
    }

    private static long nonNegative(String key, Object value, long defaultValue, long max) {
        if (value == null) {
            return defaultValue;
        }
        long parsed = wholeNumber(key, value, "must be a whole number");
        if (parsed < 0 || parsed > max) {
            throw new ConfigException(key, value, "must be between 0 and " + max);
        }
        return parsed;
    }

    private static long wholeNumber(String key, Object value, String otherwise) {
        try {
            return value instanceof Number n
                    ? n.longValue()
                    : Long.parseLong(value.toString().strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, otherwise);
        }
    }
}

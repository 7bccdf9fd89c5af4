package io.exactlyonce.model.serde;

import java.time.Duration;
import java.util.Objects;

/**
 * How patiently the deserializer treats a schema id the registry does not know: {@code retries}
 * more lookups, the first after {@code backoff}, each further one after twice the previous wait.
 * Zero retries dead-letters at the first "not found".
 */
public record UnknownSchemaIdRetries(int retries, Duration backoff) {

    public static final UnknownSchemaIdRetries DEFAULT =
            new UnknownSchemaIdRetries(
                    AvroSerdeConfig.DEFAULT_UNKNOWN_SCHEMA_ID_RETRIES,
                    AvroSerdeConfig.DEFAULT_UNKNOWN_SCHEMA_ID_RETRY_BACKOFF);

    public UnknownSchemaIdRetries {
        Objects.requireNonNull(backoff, "backoff");
        if (retries < 0 || backoff.isNegative()) {
            throw new IllegalArgumentException(
                    "retries and backoff must not be negative: " + retries + ", " + backoff);
        }
    }

    /** The wait before the given repeated lookup (1 for the first). */
    Duration backoffBefore(int retry) {
        return backoff.multipliedBy(1L << Math.min(retry - 1, 20));
    }
}

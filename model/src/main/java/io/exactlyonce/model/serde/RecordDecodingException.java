package io.exactlyonce.model.serde;

import java.util.Objects;

/**
 * A record's bytes cannot be decoded, for the {@link #reason()} given. Permanent: route the record
 * to a dead-letter queue rather than retrying it.
 */
public class RecordDecodingException extends RuntimeException {

    private final DecodingFailure reason;

    public RecordDecodingException(DecodingFailure reason, String message) {
        this(reason, message, null);
    }

    public RecordDecodingException(DecodingFailure reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public DecodingFailure reason() {
        return reason;
    }
}

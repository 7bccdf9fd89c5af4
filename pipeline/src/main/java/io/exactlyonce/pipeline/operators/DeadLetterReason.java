package io.exactlyonce.pipeline.operators;

import io.exactlyonce.model.serde.DecodingFailure;

/** Why a record was set aside instead of counted. Written into the dead letter's headers. */
public enum DeadLetterReason {
    NULL_PAYLOAD,
    TRUNCATED,
    BAD_MAGIC_BYTE,
    UNKNOWN_SCHEMA_ID,
    UNUSABLE_SCHEMA,
    INCOMPATIBLE_SCHEMA,
    MALFORMED_AVRO,
    MISSING_EVENT_ID,
    MISSING_USER_ID,
    /** Longer than the table's user_id column: the upsert would fail on every replay. */
    USER_ID_TOO_LONG,
    EVENT_TIME_OUT_OF_RANGE;

    static DeadLetterReason of(DecodingFailure failure) {
        return valueOf(failure.name());
    }
}

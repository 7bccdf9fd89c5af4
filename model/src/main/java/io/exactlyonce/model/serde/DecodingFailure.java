package io.exactlyonce.model.serde;

/**
 * Why a record could not be decoded. Every reason is permanent: the same bytes fail the same way on
 * every retry, so the record belongs in a dead-letter queue, not in a restart loop. (A registry
 * that cannot be reached is not a decoding failure; see {@link ConfluentAvroDeserializer}.)
 */
public enum DecodingFailure {
    /** The payload is null: a tombstone or a broken producer, there is nothing to decode. */
    NULL_PAYLOAD,
    /** The payload ends before the 5-byte header or before the Avro record does. */
    TRUNCATED,
    /**
     * The first byte is not the wire format's magic byte 0: not written by a Confluent-format
     * serializer.
     */
    BAD_MAGIC_BYTE,
    /** The registry answered that it has no schema with the id in the header. */
    UNKNOWN_SCHEMA_ID,
    /**
     * The registry has the schema id, but not as a usable Avro schema: a JSON or Protobuf schema,
     * one that does not parse, or a registry error about the id other than "not found".
     */
    UNUSABLE_SCHEMA,
    /**
     * The writer's schema cannot be resolved to the reader's (e.g. a required field is missing).
     */
    INCOMPATIBLE_SCHEMA,
    /**
     * The Avro body does not decode with the writer's schema, claims a length or item count its
     * bytes cannot hold, or has bytes left after the record.
     */
    MALFORMED_AVRO
}

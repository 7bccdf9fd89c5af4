package io.exactlyonce.model.serde;

import java.io.ByteArrayOutputStream;

/**
 * Confluent's framing of a schema-registry-encoded record:
 *
 * <pre>
 * byte 0      magic byte, always 0
 * bytes 1..4  schema id, 32-bit big-endian
 * bytes 5..   the record in Avro binary encoding, written with that schema
 * </pre>
 *
 * Every Confluent-compatible serde reads and writes this, which is what lets non-Java producers and
 * consumers share the topics.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {}

    /** Writes the magic byte and the big-endian schema id. */
    public static void writeHeader(ByteArrayOutputStream out, int schemaId) {
        out.write(MAGIC_BYTE);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
    }

    /**
     * Validates the header of {@code payload} and returns its schema id; the Avro body starts at
     * {@link #HEADER_LENGTH}.
     *
     * @throws WireFormatException if the payload is null, shorter than the header, or has a wrong
     *     magic byte
     */
    public static int readSchemaId(byte[] payload) {
        if (payload == null) {
            throw new WireFormatException(DecodingFailure.NULL_PAYLOAD, "payload is null");
        }
        if (payload.length == 0) {
            throw new WireFormatException(DecodingFailure.TRUNCATED, "payload is empty");
        }
        // Checked before the length: a short payload with a foreign first byte is most likely not
        // ours at all.
        if (payload[0] != MAGIC_BYTE) {
            throw new WireFormatException(
                    DecodingFailure.BAD_MAGIC_BYTE,
                    String.format("first byte is 0x%02x, expected magic byte 0x00", payload[0]));
        }
        if (payload.length < HEADER_LENGTH) {
            throw new WireFormatException(
                    DecodingFailure.TRUNCATED,
                    "payload has "
                            + payload.length
                            + " bytes, shorter than the "
                            + HEADER_LENGTH
                            + "-byte header");
        }
        return (payload[1] & 0xff) << 24
                | (payload[2] & 0xff) << 16
                | (payload[3] & 0xff) << 8
                | (payload[4] & 0xff);
    }
}

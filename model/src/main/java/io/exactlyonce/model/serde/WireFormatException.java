package io.exactlyonce.model.serde;

/**
 * The payload is not framed in Confluent's wire format: null, shorter than the header, or not
 * starting with the magic byte. A {@link RecordDecodingException}, so callers handle it with every
 * other decoding failure.
 */
public final class WireFormatException extends RecordDecodingException {

    public WireFormatException(DecodingFailure reason, String message) {
        super(reason, message);
    }
}

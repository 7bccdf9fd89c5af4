package io.exactlyonce.pipeline.operators;

/**
 * One record as the source read it, before decoding: where it came from and its bytes. Decoding
 * works on this rather than on a connector's record type, so it is testable without a broker.
 */
public record RawRecord(
        String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {}

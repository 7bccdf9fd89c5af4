package io.exactlyonce.testkit.verify;

/**
 * One input record a traffic generator planned: key, value (null for a tombstone), its Kafka
 * timestamp, and what the job must make of it.
 */
public record PlannedRecord(byte[] key, byte[] value, long timestamp, Expectation expectation) {}

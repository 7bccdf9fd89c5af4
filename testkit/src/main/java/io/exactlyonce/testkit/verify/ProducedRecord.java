package io.exactlyonce.testkit.verify;

/** Where one generated record landed in the input topic, and what it was meant to be. */
public record ProducedRecord(int partition, long offset, Expectation expectation) {}

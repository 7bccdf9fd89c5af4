package io.exactlyonce.testkit.verify;

import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How one job's results read back as (key, window start, value): from a record of its output topic,
 * and from the rows of its output table. The {@link Observer} reads both sinks through it, so any
 * job that sums a value per key and window is judged by the same {@link Verdict}.
 */
public interface ResultFormat {

    /** One committed record of the output topic; {@code writes} is 1. */
    CommittedValue fromKafka(ConsumerRecord<byte[], byte[]> record);

    /**
     * A query for every row of the output table, with four columns in this order: key, window start
     * (epoch millis), value, and how often the row was written (its {@code write_count}).
     */
    String selectRows();
}

package io.exactlyonce.pipeline.api;

import io.exactlyonce.pipeline.operators.DecodedRecord;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the job reads: decoded records with event-time timestamps and watermarks assigned. The seam
 * through which a test plugs in its own input; production wiring is {@link
 * io.exactlyonce.pipeline.connect.KafkaVisitSource}.
 */
@FunctionalInterface
public interface VisitSource {

    DataStream<DecodedRecord> open(StreamExecutionEnvironment env);
}

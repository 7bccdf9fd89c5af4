package io.exactlyonce.pipeline.api;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import org.apache.flink.api.connector.sink2.Sink;

/**
 * Where the job writes: the seam through which a test plugs in its own sinks. Production wiring is
 * {@link io.exactlyonce.pipeline.connect.ProductionSinks}.
 */
public interface JobSinks {

    Sink<UserVisitCount> countsToKafka();

    Sink<UserVisitCount> countsToDatabase();

    Sink<ForwardedRecord> lateVisits();

    Sink<ForwardedRecord> deadLetters();
}

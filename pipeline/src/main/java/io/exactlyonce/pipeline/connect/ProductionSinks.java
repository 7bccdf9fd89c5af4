package io.exactlyonce.pipeline.connect;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.pipeline.api.JobSinks;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import io.exactlyonce.sinks.kafka.TransactionalKafkaSinks;
import org.apache.flink.api.connector.sink2.Sink;

/** The production sinks: transactional Kafka topics and the XA table, from validated settings. */
public final class ProductionSinks implements JobSinks {

    private final JobSettings config;

    public ProductionSinks(JobSettings config) {
        this.config = config;
    }

    @Override
    public Sink<UserVisitCount> countsToKafka() {
        return TransactionalKafkaSinks.create(
                config.countsToKafka(),
                new VisitCountSerializer(config.countsToKafka().topic(), config.serdeConfig()));
    }

    @Override
    public Sink<UserVisitCount> countsToDatabase() {
        return VisitCountTable.sink(config.countsToDatabase());
    }

    @Override
    public Sink<ForwardedRecord> lateVisits() {
        return TransactionalKafkaSinks.forwardedRecords(config.lateVisits());
    }

    @Override
    public Sink<ForwardedRecord> deadLetters() {
        return TransactionalKafkaSinks.forwardedRecords(config.deadLetters());
    }
}

package io.exactlyonce.bench;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.api.JobSinks;
import io.exactlyonce.pipeline.api.VisitSource;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.connect.KafkaVisitSource;
import io.exactlyonce.pipeline.connect.ProductionSinks;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The job itself, as {@code VisitCountJob} wires it, on a MiniCluster in this JVM. Its source stops
 * at the input's end, so the last windows fire and the final checkpoint commits them; the run is
 * over when the job finished.
 */
final class JobRun {

    private JobRun() {}

    static SystemRun.Decoded run(RunSpec spec) throws Exception {
        JobSettings config = spec.jobSettings();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        spec.parallelism(), new Configuration());
        VisitCountJob.configure(env, config);
        JobSinks production = new ProductionSinks(config);
        JobSinks sinks = spec.system().writesTable() ? production : new WithoutTable(production);
        VisitSource input = new KafkaVisitSource(config).stoppingAtLatest();
        VisitCountJob.define(
                env,
                config,
                e -> input.open(e).map(new MarkFirstRecord()).name("mark-first-record"),
                sinks);
        env.execute(config.jobName());
        return SystemRun.Decoded.NOT_COUNTED;
    }

    /** Notes when the first record was read; chained to the source, so it costs a call. */
    private static final class MarkFirstRecord
            implements MapFunction<DecodedRecord, DecodedRecord> {

        private static final long serialVersionUID = 1L;

        @Override
        public DecodedRecord map(DecodedRecord record) {
            SystemRun.firstRecordRead();
            return record;
        }
    }

    /** The production sinks, but the counts are not written to the database. */
    private record WithoutTable(JobSinks production) implements JobSinks {

        @Override
        public Sink<UserVisitCount> countsToKafka() {
            return production.countsToKafka();
        }

        @Override
        public Sink<UserVisitCount> countsToDatabase() {
            return new DiscardingSink<>();
        }

        @Override
        public Sink<ForwardedRecord> lateVisits() {
            return production.lateVisits();
        }

        @Override
        public Sink<ForwardedRecord> deadLetters() {
            return production.deadLetters();
        }
    }
}

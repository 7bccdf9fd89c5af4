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
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The job itself, as {@code VisitCountJob} wires it, on a MiniCluster in this JVM. Its source stops
 * at the input's end, so the last windows fire and the final checkpoint commits them; the run is
 * over when the job finished. An unbounded run (latency) reads on until its JVM is stopped. Flink's
 * checkpoint statistics are copied to a file as they change.
 */
final class JobRun {

    private JobRun() {}

    static SystemRun.Decoded run(RunSpec spec) throws Exception {
        JobSettings config = spec.jobSettings();
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINT_STORAGE, spec.checkpointStorage());
        cluster.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Path.of(spec.checkpointDir(), spec.name()).toUri().toString());
        int restPort = freePort();
        cluster.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        cluster.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        cluster.set(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(100));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(spec.parallelism(), cluster);
        VisitCountJob.configure(env, config);
        if (spec.unaligned()) {
            // The job pins aligned checkpoints (see VisitCountJob.configure); this only measures
            // what unaligned ones would change under backpressure.
            env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        }
        JobSinks production = new ProductionSinks(config);
        JobSinks sinks = spec.system().writesTable() ? production : new WithoutTable(production);
        KafkaVisitSource kafka = new KafkaVisitSource(config);
        VisitSource input = spec.unbounded() ? kafka : kafka.stoppingAtLatest();
        CheckpointStats.pollInBackground(restPort, CheckpointStats.file(spec));
        VisitCountJob.define(
                env,
                config,
                e -> input.open(e).map(new MarkFirstRecord()).name("mark-first-record"),
                sinks);
        env.execute(config.jobName());
        return SystemRun.Decoded.NOT_COUNTED;
    }

    /**
     * A port free now; the MiniCluster binds it a moment later (a run fails if another took it).
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
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

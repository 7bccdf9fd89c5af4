package io.exactlyonce.testkit.run;

import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.api.VisitSource;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.connect.KafkaVisitSource;
import io.exactlyonce.pipeline.connect.ProductionSinks;
import io.exactlyonce.testkit.faults.FailOnceAfterCheckpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the job on the environment it is given, in practice a MiniCluster in this JVM. Only here can
 * a plan inject a failure from inside the job ({@link FailOnceAfterCheckpoint}), because that
 * relies on the tasks sharing this JVM.
 */
public final class MiniClusterJobRunner implements JobRunner {

    private final StreamExecutionEnvironment env;

    public MiniClusterJobRunner(StreamExecutionEnvironment env) {
        this.env = env;
    }

    @Override
    public SubmittedJob submit(JobSettings config, VerifiedRun.Plan plan) throws Exception {
        VisitCountJob.configure(env, config);
        VisitCountJob.define(env, config, source(config, plan), new ProductionSinks(config));
        JobClient job = env.executeAsync(config.jobName());
        String savepointDir =
                Path.of("target", "savepoints", plan.name()).toAbsolutePath().toUri().toString();
        return new SubmittedJob() {
            @Override
            public String jobId() {
                return job.getJobID().toHexString();
            }

            @Override
            public void drainWithSavepoint(Duration timeout) throws Exception {
                job.stopWithSavepoint(true, savepointDir, SavepointFormatType.CANONICAL)
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    private static VisitSource source(JobSettings config, VerifiedRun.Plan plan) {
        KafkaVisitSource kafka = new KafkaVisitSource(config);
        if (plan.failAfterCheckpoint() <= 0) {
            return kafka;
        }
        FailOnceAfterCheckpoint.reset();
        return env ->
                kafka.open(env)
                        .map(
                                new FailOnceAfterCheckpoint<>(
                                        plan.failAfterCheckpoint(), Duration.ofSeconds(1)))
                        .name("inject-failure")
                        .uid("inject-failure");
    }
}

package io.exactlyonce.testkit.run;

import io.exactlyonce.pipeline.config.JobSettings;
import java.time.Duration;

/**
 * Where a {@link VerifiedRun} runs the job: an in-JVM MiniCluster ({@link MiniClusterJobRunner}) or
 * a real cluster through the {@code flink} command line ({@link ClusterJobRunner}). Everything else
 * about a run, the traffic, the oracle and the verdict, is the same on both.
 */
public interface JobRunner {

    /** Submits the job of this run; returns once the cluster accepted it. */
    SubmittedJob submit(JobSettings config, VerifiedRun.Plan plan) throws Exception;

    /** A job that was accepted by the cluster. */
    interface SubmittedJob {

        /** Flink's job id, in hex. */
        String jobId();

        /**
         * Stops the job with a final savepoint after draining: the watermark jumps to the end, the
         * last windows fire, and the sinks commit everything before the job finishes.
         */
        void drainWithSavepoint(Duration timeout) throws Exception;
    }
}

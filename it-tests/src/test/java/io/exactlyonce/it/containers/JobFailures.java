package io.exactlyonce.it.containers;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * What Flink counted of a job's failures across a fault: its failed checkpoints and restores before
 * the fault and after the job recovered, and the failures it recorded from the fault on.
 */
final class JobFailures {

    long failedBefore;
    long failedAfter;
    long restoresBefore;
    long restoresAfter;
    List<String> failures = List.of();

    void countBefore(FlinkRest rest, String jobId) throws IOException, InterruptedException {
        failedBefore = rest.failedCheckpoints(jobId);
        restoresBefore = rest.restores(jobId);
    }

    /**
     * Waits for the first checkpoint triggered after {@code recoveringAtMillis} to complete (when
     * the fault ended, or {@code faultAtMillis} for a fault that is over at once), then counts
     * again. Returns the recovery: from the fault to that checkpoint.
     */
    Duration awaitRecovery(
            FlinkRest rest, String jobId, long faultAtMillis, long recoveringAtMillis)
            throws Exception {
        Duration recovery =
                Duration.ofMillis(recoveringAtMillis - faultAtMillis)
                        .plus(
                                FaultScenario.awaitCheckpointTriggeredAfter(
                                        rest, jobId, recoveringAtMillis));
        countAfter(rest, jobId, faultAtMillis);
        return recovery;
    }

    /** Counts again once the job recovered, and lists its failures since {@code faultAt}. */
    void countAfter(FlinkRest rest, String jobId, long faultAtMillis)
            throws IOException, InterruptedException {
        failedAfter = rest.failedCheckpoints(jobId);
        restoresAfter = rest.restores(jobId);
        failures = rest.failuresSince(jobId, faultAtMillis);
    }

    @Override
    public String toString() {
        return "failed checkpoints "
                + failedBefore
                + " -> "
                + failedAfter
                + "; restores "
                + restoresBefore
                + " -> "
                + restoresAfter
                + "; failures "
                + failures;
    }
}

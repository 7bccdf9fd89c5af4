package io.exactlyonce.bench;

import java.util.List;

/**
 * One run of one system over one scenario: what it took, and what was wrong with its output
 * (nothing, for a correct run).
 *
 * @param servicesCpuNanos CPU time of the broker and the database during the run
 * @param liveHeapPeakBytes the most heap in use right after a garbage collection
 * @param rssPeakBytes the run's JVM resident peak, -1 where unknown
 * @param checkpoints Flink's statistics of the job's checkpoints; {@link CheckpointStats#NONE} for
 *     a system that is not the job
 */
public record RunResult(
        Scenario scenario,
        SystemUnderTest system,
        int round,
        long elapsedNanos,
        long cpuNanos,
        long servicesCpuNanos,
        long heapPeakBytes,
        long liveHeapPeakBytes,
        long rssPeakBytes,
        CheckpointStats checkpoints,
        List<String> problems) {

    public boolean correct() {
        return problems.isEmpty();
    }

    public double visitsPerSecond() {
        return scenario.visits() / (elapsedNanos / 1e9);
    }

    /** CPU seconds of the system's own JVM per million input visits. */
    public double cpuSecondsPerMillion() {
        return cpuNanos / 1e9 / (scenario.visits() / 1e6);
    }

    /** The largest state a checkpoint of the run held, in MB; -1 when it is not the job. */
    public double checkpointStateMegabytes() {
        return checkpoints.stateBytesMax() < 0 ? -1 : checkpoints.stateBytesMax() / 1e6;
    }

    /** CPU seconds of the broker and database per million input visits. */
    public double servicesCpuSecondsPerMillion() {
        return servicesCpuNanos / 1e9 / (scenario.visits() / 1e6);
    }
}

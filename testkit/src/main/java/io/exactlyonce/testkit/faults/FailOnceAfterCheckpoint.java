package io.exactlyonce.testkit.faults;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Fault injection for runs on an in-JVM MiniCluster (the local run, the in-JVM tests): passes
 * records through, and throws once, on the first record that arrives a given delay after the n-th
 * completed checkpoint. If no record comes by then (a slow start let the job read the whole input
 * at once), the next completed checkpoint after the delay throws instead, so a run never ends
 * without its failure. By then the sinks hold output that no completed checkpoint covers yet, which
 * recovery must neither lose nor repeat. Its state is static, which is only right because a
 * MiniCluster runs every subtask in this JVM; it also counts completed checkpoints for progress
 * reports.
 */
public final class FailOnceAfterCheckpoint<T> implements MapFunction<T, T>, CheckpointListener {

    private static final long serialVersionUID = 1L;

    public static final AtomicInteger FAILURES = new AtomicInteger();
    private static final AtomicLong ARMED_AT_NANOS = new AtomicLong(Long.MAX_VALUE);

    private final int afterCheckpoints;
    private final long delayNanos;

    /** Highest checkpoint id this operator saw complete. */
    public static final AtomicLong LAST_COMPLETED_CHECKPOINT = new AtomicLong();

    public FailOnceAfterCheckpoint(int afterCheckpoints, Duration delay) {
        this.afterCheckpoints = afterCheckpoints;
        this.delayNanos = delay.toNanos();
    }

    public static void reset() {
        FAILURES.set(0);
        LAST_COMPLETED_CHECKPOINT.set(0);
        ARMED_AT_NANOS.set(Long.MAX_VALUE);
    }

    @Override
    public T map(T record) {
        failOnceDue();
        return record;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        LAST_COMPLETED_CHECKPOINT.accumulateAndGet(checkpointId, Math::max);
        failOnceDue();
        if (checkpointId >= afterCheckpoints) {
            ARMED_AT_NANOS.compareAndSet(Long.MAX_VALUE, System.nanoTime());
        }
    }

    private void failOnceDue() {
        long armedAt = ARMED_AT_NANOS.get();
        if (armedAt != Long.MAX_VALUE
                && System.nanoTime() - armedAt >= delayNanos
                && FAILURES.compareAndSet(0, 1)) {
            // A failure in notifyCheckpointComplete fails the task like one in map.
            throw new InjectedFailure();
        }
    }

    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure() {
            super("failure injected by the test after a completed checkpoint");
        }
    }
}

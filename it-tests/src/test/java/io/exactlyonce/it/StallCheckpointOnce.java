package io.exactlyonce.it;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Fault injection: an operator that hangs in its snapshot of one checkpoint, once, so that
 * checkpoint times out after every other operator (the sinks included) has taken its snapshot. A
 * sink that commits before its checkpoint completes is caught in the act: the job restores from the
 * previous checkpoint and replays what that sink already committed.
 */
final class StallCheckpointOnce<T> extends RichMapFunction<T, T> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    static final AtomicBoolean STALLED = new AtomicBoolean();
    static final AtomicInteger HIGHEST_ATTEMPT = new AtomicInteger();

    /** Never released: the stall ends when Flink cancels the task after the timeout. */
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    private final long checkpointToStall;

    StallCheckpointOnce(long checkpointToStall) {
        this.checkpointToStall = checkpointToStall;
    }

    static void reset() {
        STALLED.set(false);
        HIGHEST_ATTEMPT.set(0);
    }

    @Override
    public void open(OpenContext openContext) {
        HIGHEST_ATTEMPT.accumulateAndGet(
                getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
    }

    @Override
    public T map(T value) {
        return value;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws InterruptedException {
        if (context.getCheckpointId() == checkpointToStall && STALLED.compareAndSet(false, true)) {
            NEVER.await(5, TimeUnit.MINUTES);
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}
}

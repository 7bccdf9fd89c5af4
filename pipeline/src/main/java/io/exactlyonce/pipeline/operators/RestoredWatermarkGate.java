package io.exactlyonce.pipeline.operators;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Makes a restored job judge lateness as the failed one did.
 *
 * <p>Flink does not checkpoint watermarks. A restored job starts without one, and until every
 * source has emitted a new one the window operator takes every visit for on time. A late visit
 * replayed from just after the checkpoint then opens a window that had fired, and been
 * committed, before the checkpoint, and that window is emitted a second time with part of its
 * count. (Seen in the container suite after repeated TaskManager kills: one window committed
 * twice, with 1 and 1 instead of 2, in both sinks.)
 *
 * <p>This operator sits right before the window operator, behind the same exchange, so it sees
 * the watermark the window operator sees. It checkpoints that watermark, and after a restore it
 * sends every visit whose window ended at or before it to the late output, as the window operator
 * did before the failure. Everything else passes. Without a restore it passes everything.
 */
public final class RestoredWatermarkGate extends AbstractStreamOperator<Visit>
        implements OneInputStreamOperator<Visit, Visit> {

    private static final long serialVersionUID = 1L;

    private final long windowSizeMillis;
    private final OutputTag<Visit> lateVisits;

    private transient ListState<Long> watermarksAtCheckpoint;
    /** The lowest watermark any subtask had at the restored checkpoint; none without a restore. */
    private transient long restoredWatermark;
    private transient long currentWatermark;

    /**
     * @param windowSize of the tumbling event-time windows that follow
     * @param lateVisits the late output the window operator uses
     */
    public RestoredWatermarkGate(Duration windowSize, OutputTag<Visit> lateVisits) {
        this.windowSizeMillis = windowSize.toMillis();
        this.lateVisits = lateVisits;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Union state: each subtask gets every subtask's watermark. The lowest is one that every
        // window subtask had passed, whatever the parallelism the job is restored with.
        watermarksAtCheckpoint = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("watermark-at-checkpoint", Types.LONG));
        restoredWatermark = Long.MIN_VALUE;
        currentWatermark = Long.MIN_VALUE;
        if (context.isRestored()) {
            long lowest = Long.MAX_VALUE;
            boolean any = false;
            for (Long watermark : watermarksAtCheckpoint.get()) {
                lowest = Math.min(lowest, watermark);
                any = true;
            }
            restoredWatermark = any ? lowest : Long.MIN_VALUE;
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        watermarksAtCheckpoint.update(List.of(Math.max(restoredWatermark, currentWatermark)));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // The final watermark of a drained job is not a point in event time: resuming from it
        // must not make every new visit late.
        if (mark.getTimestamp() != Long.MAX_VALUE) {
            currentWatermark = Math.max(currentWatermark, mark.getTimestamp());
        }
        super.processWatermark(mark);
    }

    @Override
    public void processElement(StreamRecord<Visit> element) {
        if (element.hasTimestamp() && windowEnd(element.getTimestamp()) <= restoredWatermark) {
            output.collect(lateVisits, element);
        } else {
            output.collect(element);
        }
    }

    /** The last millisecond of the tumbling window of {@code timestamp}, as Flink computes it. */
    private long windowEnd(long timestamp) {
        return timestamp - Math.floorMod(timestamp, windowSizeMillis) + windowSizeMillis - 1;
    }
}

package io.exactlyonce.pipeline.operators;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.TimeUtils;

/**
 * Makes a restored job judge lateness as the job before it did.
 *
 * <p>Flink does not checkpoint watermarks. A restored job starts without one, and until every
 * source has emitted a new one the window operator takes every visit for on time. A late visit
 * replayed from just after the checkpoint then opens a window that had fired, and been committed,
 * before the checkpoint, and that window is emitted a second time with part of its count. (Seen in
 * the container suite after repeated TaskManager kills: one window committed twice, with 1 and 1
 * instead of 2, in both sinks.)
 *
 * <p>This operator sits right before the window operator, behind the same exchange, so it sees the
 * watermark the window operator sees. It keeps in union operator state:
 *
 * <ul>
 *   <li>the watermark at the checkpoint. After a restore every visit whose window ended at or
 *       before the lowest of them goes to the late output, as the window operator did before.
 *   <li>whether the job was drained ({@code stop --drain}) and the end of the latest window it had
 *       seen. The drain fired every window with content, on every subtask; after a restore from
 *       such a savepoint every visit whose window ended at or before the latest window any subtask
 *       had seen goes to the late output. (The highest, not the lowest: every window up to it that
 *       had content has fired, and after rescaling the keys of the subtask that saw it may be on
 *       any subtask.)
 *   <li>the window size. A restore with another size is refused: windows of both sizes would share
 *       (user, window start) in the sinks and overwrite each other's counts.
 * </ul>
 *
 * <p>Without a restore it passes everything.
 */
public final class RestoredWatermarkGate extends AbstractStreamOperator<Visit>
        implements OneInputStreamOperator<Visit, Visit> {

    private static final long serialVersionUID = 1L;

    private final long windowSizeMillis;
    private final OutputTag<Visit> lateVisits;

    private transient ListState<Long> watermarksAtCheckpoint;
    private transient ListState<Long> latestWindowEndsSeen;
    private transient ListState<Boolean> drainedAtCheckpoint;
    private transient ListState<Long> windowSizesAtCheckpoint;

    /** Windows ending at or before this had fired when the restored snapshot was taken. */
    private transient long restoredCutoff;

    private transient long currentWatermark;
    private transient long latestWindowEndSeen;
    private transient boolean drained;

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
        // Union state: each subtask gets every subtask's entries, whatever the parallelism the
        // job is restored with.
        var store = context.getOperatorStateStore();
        watermarksAtCheckpoint =
                store.getUnionListState(
                        new ListStateDescriptor<>("watermark-at-checkpoint", Types.LONG));
        latestWindowEndsSeen =
                store.getUnionListState(
                        new ListStateDescriptor<>("latest-window-end-seen", Types.LONG));
        drainedAtCheckpoint =
                store.getUnionListState(
                        new ListStateDescriptor<>("drained-at-checkpoint", Types.BOOLEAN));
        windowSizesAtCheckpoint =
                store.getUnionListState(
                        new ListStateDescriptor<>("window-size-millis", Types.LONG));
        restoredCutoff = Long.MIN_VALUE;
        currentWatermark = Long.MIN_VALUE;
        latestWindowEndSeen = Long.MIN_VALUE;
        drained = false;
        if (context.isRestored()) {
            refuseAnotherWindowSize();
            restoredCutoff = lowest(watermarksAtCheckpoint.get());
            latestWindowEndSeen = highest(latestWindowEndsSeen.get());
            boolean restoredFromDrain = false;
            for (Boolean drainedSubtask : drainedAtCheckpoint.get()) {
                restoredFromDrain |= drainedSubtask;
            }
            if (restoredFromDrain) {
                restoredCutoff = Math.max(restoredCutoff, latestWindowEndSeen);
            }
        }
    }

    /** State from before the window size was kept has no entry, and is accepted. */
    private void refuseAnotherWindowSize() throws Exception {
        for (Long restoredSize : windowSizesAtCheckpoint.get()) {
            if (restoredSize != windowSizeMillis) {
                throw new SuppressRestartsException(
                        new IllegalStateException(
                                "The restored state was written with window.size "
                                        + format(restoredSize)
                                        + ", this job has window.size "
                                        + format(windowSizeMillis)
                                        + ". Windows of both sizes would"
                                        + " share (user_id, window_start) in the sinks and overwrite"
                                        + " each other's counts. Resume with --window.size "
                                        + format(restoredSize)
                                        + ". To count with another size, start a"
                                        + " new deployment without state that writes to a new output"
                                        + " topic and table."));
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // The restored cutoff is carried as a watermark, so a failure before the first new
        // watermark does not lose it.
        watermarksAtCheckpoint.update(List.of(Math.max(restoredCutoff, currentWatermark)));
        latestWindowEndsSeen.update(List.of(latestWindowEndSeen));
        drainedAtCheckpoint.update(List.of(drained));
        windowSizesAtCheckpoint.update(List.of(windowSizeMillis));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // The final watermark of a drained job is not a point in event time: resuming from it
        // must not make every new visit late. What it fired is kept as the latest window seen.
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            drained = true;
        } else {
            currentWatermark = Math.max(currentWatermark, mark.getTimestamp());
        }
        super.processWatermark(mark);
    }

    @Override
    public void processElement(StreamRecord<Visit> element) {
        if (!element.hasTimestamp()) {
            output.collect(element);
            return;
        }
        long windowEnd = windowEnd(element.getTimestamp());
        if (windowEnd <= restoredCutoff) {
            output.collect(lateVisits, element);
        } else {
            latestWindowEndSeen = Math.max(latestWindowEndSeen, windowEnd);
            output.collect(element);
        }
    }

    /** The last millisecond of the tumbling window of {@code timestamp}, as Flink computes it. */
    private long windowEnd(long timestamp) {
        return timestamp - Math.floorMod(timestamp, windowSizeMillis) + windowSizeMillis - 1;
    }

    private static long lowest(Iterable<Long> values) {
        long lowest = Long.MAX_VALUE;
        boolean any = false;
        for (Long value : values) {
            lowest = Math.min(lowest, value);
            any = true;
        }
        return any ? lowest : Long.MIN_VALUE;
    }

    private static long highest(Iterable<Long> values) {
        long highest = Long.MIN_VALUE;
        for (Long value : values) {
            highest = Math.max(highest, value);
        }
        return highest;
    }

    private static String format(long millis) {
        return TimeUtils.formatWithHighestUnit(Duration.ofMillis(millis));
    }
}

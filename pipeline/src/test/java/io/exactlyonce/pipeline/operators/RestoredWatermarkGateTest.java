package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.VisitCountJob;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The gate that keeps a restored job's lateness decisions those of the job before it. */
class RestoredWatermarkGateTest {

    private static final long MINUTE = 60_000L;

    @Test
    void withoutARestorePassesEveryVisitAndLeavesLatenessToTheWindowOperator() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.processWatermark(MINUTE - 1);
            visit(harness, "behind-the-watermark", 2_000L);

            assertThat(harness.extractOutputValues()).extracting(Visit::getEventId)
                    .containsExactly("behind-the-watermark");
            assertThat(harness.getSideOutput(VisitCountJob.LATE_VISITS)).isNull();
        }
    }

    @Test
    void afterARestoreSendsVisitsOfWindowsClosedAtTheCheckpointToTheLateOutput()
            throws Exception {
        OperatorSubtaskState checkpoint = checkpointAtWatermark(MINUTE - 1);

        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            // No watermark yet, as in a job that has just been restored.
            visit(restored, "late-for-closed-window", 2_000L);
            visit(restored, "on-time", MINUTE + 5L);

            assertThat(restored.extractOutputValues()).extracting(Visit::getEventId)
                    .containsExactly("on-time");
            assertThat(restored.getSideOutput(VisitCountJob.LATE_VISITS))
                    .extracting(record -> record.getValue().getEventId())
                    .containsExactly("late-for-closed-window");
        }
    }

    @Test
    void rescaledTakesTheLowestWatermarkOfAllSubtasks() throws Exception {
        OperatorSubtaskState merged = AbstractStreamOperatorTestHarness.repackageState(
                checkpointAtWatermark(MINUTE - 1), checkpointAtWatermark(3 * MINUTE - 1));

        try (var restored = harness()) {
            restored.initializeState(merged);
            restored.open();
            visit(restored, "first-minute", 2_000L);
            visit(restored, "second-minute", MINUTE + 2_000L);

            assertThat(restored.extractOutputValues()).extracting(Visit::getEventId)
                    .containsExactly("second-minute");
            assertThat(restored.getSideOutput(VisitCountJob.LATE_VISITS))
                    .extracting(record -> record.getValue().getEventId())
                    .containsExactly("first-minute");
        }
    }

    @Test
    void theFinalWatermarkOfADrainedJobIsNotKept() throws Exception {
        OperatorSubtaskState drained;
        try (var harness = harness()) {
            harness.open();
            harness.processWatermark(Long.MAX_VALUE);
            drained = harness.snapshot(1L, 1L);
        }

        try (var restored = harness()) {
            restored.initializeState(drained);
            restored.open();
            visit(restored, "new-visit", 5 * MINUTE);

            assertThat(restored.extractOutputValues()).extracting(Visit::getEventId)
                    .containsExactly("new-visit");
        }
    }

    private static OperatorSubtaskState checkpointAtWatermark(long watermark) throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.processWatermark(watermark);
            return harness.snapshot(1L, 1L);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new RestoredWatermarkGate(Duration.ofMinutes(1), VisitCountJob.LATE_VISITS),
                new ByUser(), Types.STRING);
    }

    private static void visit(KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> harness,
            String eventId, long eventTime) throws Exception {
        harness.processElement(TestVisits.visit(eventId, "alice", eventTime), eventTime);
    }
}

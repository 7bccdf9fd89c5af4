package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exactlyonce.pipeline.VisitCountJob;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
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

            assertThat(harness.extractOutputValues())
                    .extracting(Visit::eventId)
                    .containsExactly("behind-the-watermark");
            assertThat(harness.getSideOutput(VisitCountJob.LATE_VISITS)).isNull();
        }
    }

    @Test
    void afterARestoreSendsVisitsOfWindowsClosedAtTheCheckpointToTheLateOutput() throws Exception {
        OperatorSubtaskState checkpoint = checkpointAtWatermark(MINUTE - 1);

        try (var restored = restoredFrom(checkpoint)) {
            // No watermark yet, as in a job that has just been restored.
            visit(restored, "late-for-closed-window", 2_000L);
            visit(restored, "on-time", MINUTE + 5L);

            assertRouted(restored, List.of("on-time"), List.of("late-for-closed-window"));
        }
    }

    @Test
    void rescaledTakesTheLowestWatermarkOfAllSubtasks() throws Exception {
        OperatorSubtaskState merged =
                AbstractStreamOperatorTestHarness.repackageState(
                        checkpointAtWatermark(MINUTE - 1), checkpointAtWatermark(3 * MINUTE - 1));

        try (var restored = restoredFrom(merged)) {
            visit(restored, "first-minute", 2_000L);
            visit(restored, "second-minute", MINUTE + 2_000L);

            assertRouted(restored, List.of("second-minute"), List.of("first-minute"));
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

        try (var restored = restoredFrom(drained)) {
            visit(restored, "new-visit", 5 * MINUTE);

            assertThat(restored.extractOutputValues())
                    .extracting(Visit::eventId)
                    .containsExactly("new-visit");
        }
    }

    @Test
    void afterADrainedSavepointSendsVisitsOfWindowsTheDrainFiredToTheLateOutput() throws Exception {
        // The drain fired the first minute's window before any watermark had passed it.
        OperatorSubtaskState drained = drainedAfterVisitsAt(2_000L);

        try (var restored = restoredFrom(drained)) {
            visit(restored, "reopens-a-fired-window", 3_000L);
            visit(restored, "first-visit-of-a-new-window", MINUTE + 5L);

            assertRouted(
                    restored,
                    List.of("first-visit-of-a-new-window"),
                    List.of("reopens-a-fired-window"));
        }
    }

    @Test
    void drainedAndRescaledTakesTheLatestWindowAnySubtaskHadSeen() throws Exception {
        // One subtask had seen up to the third minute, the other only the first: the drain
        // fired the third minute's window on the first, and its keys may now be anywhere.
        OperatorSubtaskState merged =
                AbstractStreamOperatorTestHarness.repackageState(
                        drainedAfterVisitsAt(2 * MINUTE + 2_000L), drainedAfterVisitsAt(2_000L));

        try (var restored = restoredFrom(merged)) {
            visit(restored, "third-minute", 2 * MINUTE + 3_000L);
            visit(restored, "fourth-minute", 3 * MINUTE + 3_000L);

            assertRouted(restored, List.of("fourth-minute"), List.of("third-minute"));
        }
    }

    @Test
    void aDrainedSavepointKeepsItsCutoffThroughTheNextCheckpoint() throws Exception {
        OperatorSubtaskState drained = drainedAfterVisitsAt(2_000L);
        OperatorSubtaskState next;
        try (var restored = restoredFrom(drained)) {
            next = restored.snapshot(2L, 2L);
        }

        try (var restoredAgain = restoredFrom(next)) {
            visit(restoredAgain, "still-of-a-fired-window", 3_000L);

            assertThat(restoredAgain.extractOutputValues()).isEmpty();
            assertThat(restoredAgain.getSideOutput(VisitCountJob.LATE_VISITS))
                    .extracting(record -> record.getValue().eventId())
                    .containsExactly("still-of-a-fired-window");
        }
    }

    @Test
    void refusesARestoreWithAnotherWindowSizeAndSuppressesRestarts() throws Exception {
        OperatorSubtaskState oneMinute = checkpointAtWatermark(MINUTE - 1);

        try (var twoMinutes = harness(Duration.ofMinutes(2))) {
            Throwable refusal = catchThrowable(() -> twoMinutes.initializeState(oneMinute));

            assertThat(refusal).as("restore with another window size").isNotNull();
            assertThat(ExecutionFailureHandler.isUnrecoverableError(refusal))
                    .as("Flink fails the job instead of restarting it into the same refusal")
                    .isTrue();
            assertThat(ExceptionUtils.stringifyException(refusal))
                    .contains("window.size 1 min", "window.size 2 min");
        }
    }

    @Test
    void restoresWithTheSameWindowSize() throws Exception {
        OperatorSubtaskState oneMinute = checkpointAtWatermark(MINUTE - 1);

        try (var restored = harness(Duration.ofMinutes(1))) {
            restored.initializeState(oneMinute);
            restored.open();
            visit(restored, "on-time", MINUTE + 5L);

            assertThat(restored.extractOutputValues())
                    .extracting(Visit::eventId)
                    .containsExactly("on-time");
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> restoredFrom(
            OperatorSubtaskState state) throws Exception {
        var harness = harness();
        harness.initializeState(state);
        harness.open();
        return harness;
    }

    /** What the gate passed on to the window operator, and what it sent to the late output. */
    private static void assertRouted(
            KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> harness,
            List<String> passed,
            List<String> late) {
        assertThat(harness.extractOutputValues())
                .extracting(Visit::eventId)
                .containsExactlyElementsOf(passed);
        assertThat(harness.getSideOutput(VisitCountJob.LATE_VISITS))
                .extracting(record -> record.getValue().eventId())
                .containsExactlyElementsOf(late);
    }

    /** A snapshot of a job stopped with {@code --drain}, after visits at these event times. */
    private static OperatorSubtaskState drainedAfterVisitsAt(long... eventTimes) throws Exception {
        try (var harness = harness()) {
            harness.open();
            for (long eventTime : eventTimes) {
                visit(harness, "before-the-drain-" + eventTime, eventTime);
            }
            harness.processWatermark(Long.MAX_VALUE);
            return harness.snapshot(1L, 1L);
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
        return harness(Duration.ofMinutes(1));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> harness(
            Duration windowSize) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new RestoredWatermarkGate(windowSize, VisitCountJob.LATE_VISITS),
                new ByUser(),
                Types.STRING);
    }

    private static void visit(
            KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> harness,
            String eventId,
            long eventTime)
            throws Exception {
        harness.processElement(TestVisits.visit(eventId, "alice", eventTime), eventTime);
    }
}

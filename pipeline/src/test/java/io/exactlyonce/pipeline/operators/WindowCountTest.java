package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.pipeline.VisitCountJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-user window count, as the job builds it, under a keyed operator harness. */
class WindowCountTest {

    private static final long MINUTE = 60_000L;

    private KeyedOneInputStreamOperatorTestHarness<String, Visit, UserVisitCount> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = newHarness();
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Visit, UserVisitCount>
            newHarness() throws Exception {
        WindowOperatorBuilder<Visit, String, TimeWindow> builder =
                new WindowOperatorBuilder<>(
                        TumblingEventTimeWindows.of(Duration.ofMinutes(1)),
                        EventTimeTrigger.create(),
                        new ExecutionConfig(),
                        TypeInformation.of(Visit.class),
                        new ByUser(),
                        Types.STRING);
        builder.sideOutputLateData(VisitCountJob.LATE_VISITS);
        OneInputStreamOperator<Visit, UserVisitCount> operator =
                builder.aggregate(new CountVisits(), new EmitVisitCount(), Types.LONG);
        return new KeyedOneInputStreamOperatorTestHarness<>(operator, new ByUser(), Types.STRING);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void countsEachUsersVisitsPerWindowWhenTheWatermarkPassesItsEnd() throws Exception {
        visit("a1", "alice", 1_000L);
        visit("a2", "alice", 59_999L);
        visit("b1", "bob", 30_000L);
        visit("a3", "alice", MINUTE + 1L);

        harness.processWatermark(MINUTE - 1);

        assertThat(harness.extractOutputValues())
                .containsExactlyInAnyOrder(count("alice", 0, 2), count("bob", 0, 1));
    }

    @Test
    void emitsNothingBeforeTheWatermarkReachesTheWindowEnd() throws Exception {
        visit("a1", "alice", 1_000L);

        harness.processWatermark(MINUTE - 2);

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void keepsOnlyOneAccumulatorPerUserWindowAndClearsItAfterFiring() throws Exception {
        for (int i = 0; i < 100; i++) {
            visit("a" + i, "alice", 1_000L + i);
        }
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        harness.processWatermark(MINUTE - 1);

        assertThat(harness.extractOutputValues()).containsExactly(count("alice", 0, 100));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void sendsAVisitForAClosedWindowToTheLateOutputInsteadOfCountingIt() throws Exception {
        visit("a1", "alice", 1_000L);
        harness.processWatermark(MINUTE - 1);

        visit("late", "alice", 2_000L);
        harness.processWatermark(2 * MINUTE - 1);

        assertThat(harness.extractOutputValues()).containsExactly(count("alice", 0, 1));
        assertThat(harness.getSideOutput(VisitCountJob.LATE_VISITS))
                .extracting(record -> record.getValue().eventId())
                .containsExactly("late");
    }

    /**
     * Pins the upstream behaviour {@link RestoredWatermarkGate} exists for: Flink checkpoints no
     * watermark, so a restored window operator counts a late visit into a window that had fired
     * before the checkpoint and emits that window again. If Flink ever restores watermarks, this
     * test fails and the gate can go.
     */
    @Test
    void restoredWithoutItsWatermarkCountsAVisitOfAWindowThatFiredBeforeTheCheckpoint()
            throws Exception {
        visit("a1", "alice", 1_000L);
        harness.processWatermark(MINUTE - 1);
        assertThat(harness.extractOutputValues()).containsExactly(count("alice", 0, 1));
        var checkpoint = harness.snapshot(1L, 1L);
        harness.close();

        harness = newHarness();
        harness.initializeState(checkpoint);
        harness.open();
        visit("late", "alice", 2_000L);
        harness.processWatermark(2 * MINUTE - 1);

        assertThat(harness.extractOutputValues())
                .as("the same window emitted a second time")
                .containsExactly(count("alice", 0, 1));
        assertThat(harness.getSideOutput(VisitCountJob.LATE_VISITS)).isNull();
    }

    /**
     * The job's gate and window operator, drained ({@code flink stop --drain}) and resumed from
     * that savepoint: a visit for a window the drain fired goes to the late output and the window
     * is not emitted a second time.
     */
    @Test
    void resumedFromADrainedSavepointBehindTheGateEmitsNoWindowTwice() throws Exception {
        var gate = newGate();
        gate.open();
        throughGate(gate, "a1", 1_000L);
        gate.processWatermark(Long.MAX_VALUE);
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(harness.extractOutputValues()).containsExactly(count("alice", 0, 1));
        var gateSavepoint = gate.snapshot(1L, 1L);
        var windowSavepoint = harness.snapshot(1L, 1L);
        gate.close();
        harness.close();

        gate = newGate();
        gate.initializeState(gateSavepoint);
        gate.open();
        harness = newHarness();
        harness.initializeState(windowSavepoint);
        harness.open();
        throughGate(gate, "after-the-resume", 2_000L);
        gate.processWatermark(2 * MINUTE - 1);
        harness.processWatermark(2 * MINUTE - 1);

        assertThat(harness.extractOutputValues()).as("windows emitted after the resume").isEmpty();
        assertThat(gate.getSideOutput(VisitCountJob.LATE_VISITS))
                .extracting(record -> record.getValue().eventId())
                .containsExactly("after-the-resume");
        gate.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> newGate()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new RestoredWatermarkGate(Duration.ofMinutes(1), VisitCountJob.LATE_VISITS),
                new ByUser(),
                Types.STRING);
    }

    /** A visit of alice into the gate; what the gate passes on goes into the window operator. */
    private void throughGate(
            KeyedOneInputStreamOperatorTestHarness<String, Visit, Visit> gate,
            String eventId,
            long eventTime)
            throws Exception {
        int before = gate.extractOutputStreamRecords().size();
        gate.processElement(TestVisits.visit(eventId, "alice", eventTime), eventTime);
        List<StreamRecord<? extends Visit>> passed = gate.extractOutputStreamRecords();
        for (StreamRecord<? extends Visit> record : passed.subList(before, passed.size())) {
            harness.processElement(record.getValue(), record.getTimestamp());
        }
    }

    private void visit(String eventId, String userId, long eventTime) throws Exception {
        harness.processElement(TestVisits.visit(eventId, userId, eventTime), eventTime);
    }

    private static UserVisitCount count(String userId, long windowStart, long visits) {
        return UserVisitCount.newBuilder()
                .setUserId(userId)
                .setWindowStart(Instant.ofEpochMilli(windowStart))
                .setWindowEnd(Instant.ofEpochMilli(windowStart + MINUTE))
                .setVisitCount(visits)
                .build();
    }
}

package io.exactlyonce.testkit.verify;

import static io.exactlyonce.testkit.verify.Expectation.Timing.ON_TIME;
import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.testkit.verify.Expectation.Rejected;
import io.exactlyonce.testkit.verify.Expectation.Timing;
import io.exactlyonce.testkit.verify.Expectation.Valid;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.Observations.SideRecord;
import io.exactlyonce.testkit.verify.Verdict.ReadOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The verdict must catch every way a sink can be wrong, or the suites prove nothing. */
class VerdictTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** The job's watermark bound. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    /** Alice: two visits in window 0, one generated late for window 60000; one bad record. */
    private static final List<ProducedRecord> INPUT =
            List.of(
                    new ProducedRecord(0, 0, new Valid("e1", "alice", 1_000, ON_TIME)),
                    new ProducedRecord(0, 1, new Valid("e2", "alice", 2_000, ON_TIME)),
                    new ProducedRecord(0, 2, new Valid("e3", "alice", 61_000, Timing.LATE)),
                    new ProducedRecord(1, 0, new Rejected("BAD_MAGIC_BYTE")));

    private static final List<SideRecord> LATE =
            List.of(new SideRecord("e3", "WINDOW_CLOSED", 0, 2));
    private static final List<SideRecord> DEAD =
            List.of(new SideRecord(null, "BAD_MAGIC_BYTE", 1, 0));
    private static final List<CommittedValue> EXACT = List.of(new CommittedValue("alice", 0, 2, 1));

    @Test
    void acceptsExactlyOnce() {
        Verdict.Report report = judge(EXACT, EXACT, LATE, DEAD, List.of());

        assertThat(report.problems()).isEmpty();
        assertThat(report.exactlyOnce()).isTrue();
    }

    @Test
    void catchesAMissingWindow() {
        Verdict.Report report = judge(List.of(), EXACT, LATE, DEAD, List.of());

        assertThat(report.sinks().get(0).missing()).hasSize(1);
        assertThat(report.exactlyOnce()).isFalse();
    }

    @Test
    void catchesADuplicateRecordAndADuplicateRow() {
        List<CommittedValue> twice =
                List.of(new CommittedValue("alice", 0, 2, 1), new CommittedValue("alice", 0, 2, 1));
        List<CommittedValue> rewritten = List.of(new CommittedValue("alice", 0, 2, 2));

        Verdict.Report report = judge(twice, rewritten, LATE, DEAD, List.of());

        assertThat(report.sinks()).allSatisfy(sink -> assertThat(sink.duplicate()).hasSize(1));
    }

    @Test
    void catchesAWrongCount() {
        List<CommittedValue> wrong = List.of(new CommittedValue("alice", 0, 3, 1));

        assertThat(judge(wrong, EXACT, LATE, DEAD, List.of()).sinks().get(0).wrong()).hasSize(1);
    }

    @Test
    void catchesALateVisitThatWasAlsoCounted() {
        List<CommittedValue> countedToo =
                List.of(
                        new CommittedValue("alice", 0, 2, 1),
                        new CommittedValue("alice", 60_000, 1, 1));

        assertThat(judge(countedToo, EXACT, LATE, DEAD, List.of()).sinks().get(0).unexpected())
                .hasSize(1);
    }

    @Test
    void catchesALostRejectAndAPreparedTransaction() {
        Verdict.Report report = judge(EXACT, EXACT, LATE, List.of(), List.of("visit-count:0:7:0"));

        assertThat(report.problems())
                .anyMatch(p -> p.contains("lost"))
                .anyMatch(p -> p.contains("left prepared"));
    }

    @ParameterizedTest
    @EnumSource(ReadOrder.class)
    void failsWhenEveryVisitComesOutLateAndNoneIsCounted(ReadOrder readOrder) {
        List<ProducedRecord> input = new ArrayList<>();
        List<SideRecord> allLate = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int partition = i % 2;
            String eventId = "v" + i;
            input.add(
                    new ProducedRecord(
                            partition,
                            i / 2,
                            new Valid(eventId, "user-" + i % 10, 1_000L + i * 600L, ON_TIME)));
            allLate.add(new SideRecord(eventId, "WINDOW_CLOSED", partition, i / 2));
        }

        Verdict.Report report =
                Verdict.judge(
                        input,
                        MINUTE,
                        BOUND,
                        readOrder,
                        new Observations(
                                List.of(), List.of(), allLate, List.of(), List.of(), List.of()));

        assertThat(report.exactlyOnce()).as(report.table()).isFalse();
        assertThat(report.problems())
                .as("the visits of the last window, which nothing read" + " before them can close")
                .anyMatch(p -> p.startsWith("on-time event v999 ") && p.contains("came out late"));
    }

    /** Bob's visit came out late; only carol's, on the other partition, closes its window. */
    private static Verdict.Report bobLateBehindCarol(ReadOrder readOrder) {
        List<ProducedRecord> input =
                List.of(
                        new ProducedRecord(0, 0, new Valid("bob-1", "bob", 59_000, ON_TIME)),
                        new ProducedRecord(1, 0, new Valid("carol-1", "carol", 65_000, ON_TIME)));
        List<CommittedValue> counted = List.of(new CommittedValue("carol", 60_000, 1, 1));
        List<SideRecord> late = List.of(new SideRecord("bob-1", "WINDOW_CLOSED", 0, 0));
        return Verdict.judge(
                input,
                MINUTE,
                BOUND,
                readOrder,
                new Observations(counted, counted, late, List.of(), List.of(), List.of()));
    }

    @Test
    void acceptsAnOnTimeVisitLateWhenAnIdlePartitionMayHaveLetAnotherCloseItsWindow() {
        assertThat(bobLateBehindCarol(ReadOrder.PARTITIONS_MAY_IDLE).problems()).isEmpty();
    }

    @Test
    void catchesAnOnTimeVisitLateBehindAnotherPartitionWhenPartitionsStayedInStep() {
        assertThat(bobLateBehindCarol(ReadOrder.PARTITIONS_IN_STEP).problems())
                .singleElement()
                .asString()
                .startsWith("on-time event bob-1 ")
                .contains("newest such event time none");
    }

    @Test
    void acceptsAVisitGeneratedBeyondTheBoundBehindAnEarlierOneOfItsPartition() {
        List<ProducedRecord> input =
                List.of(
                        new ProducedRecord(0, 0, new Valid("bob-1", "bob", 70_000, ON_TIME)),
                        new ProducedRecord(0, 1, new Valid("bob-2", "bob", 50_000, ON_TIME)));
        List<CommittedValue> counted = List.of(new CommittedValue("bob", 60_000, 1, 1));
        List<SideRecord> late = List.of(new SideRecord("bob-2", "WINDOW_CLOSED", 0, 1));

        Verdict.Report report =
                Verdict.judge(
                        input,
                        MINUTE,
                        BOUND,
                        ReadOrder.PARTITIONS_IN_STEP,
                        new Observations(counted, counted, late, List.of(), List.of(), List.of()));

        assertThat(report.problems()).isEmpty();
    }

    @Test
    void catchesAnOnTimeVisitLateWhenOnlyLaterVisitsOfItsPartitionCloseItsWindow() {
        // 64.9 s on the other partition is just short of closing window 0 (60 s + 5 s bound).
        List<ProducedRecord> input =
                List.of(
                        new ProducedRecord(0, 0, new Valid("bob-1", "bob", 59_000, ON_TIME)),
                        new ProducedRecord(0, 1, new Valid("bob-2", "bob", 90_000, ON_TIME)),
                        new ProducedRecord(1, 0, new Valid("carol-1", "carol", 64_999, ON_TIME)));
        List<CommittedValue> counted =
                List.of(
                        new CommittedValue("bob", 60_000, 1, 1),
                        new CommittedValue("carol", 60_000, 1, 1));
        List<SideRecord> late = List.of(new SideRecord("bob-1", "WINDOW_CLOSED", 0, 0));

        Verdict.Report report =
                Verdict.judge(
                        input,
                        MINUTE,
                        BOUND,
                        ReadOrder.PARTITIONS_MAY_IDLE,
                        new Observations(counted, counted, late, List.of(), List.of(), List.of()));

        assertThat(report.problems())
                .singleElement()
                .asString()
                .startsWith("on-time event bob-1 ")
                .contains("newest such event time 64999");
    }

    /** Revenue per merchant: two orders of acme in window 0, one of them late. */
    private static final List<ProducedRecord> ORDERS =
            List.of(
                    new ProducedRecord(0, 0, new Valid("o1", "acme", 1_000, 250, ON_TIME)),
                    new ProducedRecord(0, 1, new Valid("o2", "acme", 2_000, 1_000, ON_TIME)),
                    new ProducedRecord(0, 2, new Valid("o3", "acme", 3_000, 40, Timing.LATE)));

    private static Verdict.Report judgeRevenue(List<CommittedValue> kafka, List<SideRecord> late) {
        return Verdict.judge(
                ORDERS,
                MINUTE,
                BOUND,
                ReadOrder.PARTITIONS_IN_STEP,
                new Observations(kafka, kafka, late, List.of(), List.of(), List.of()));
    }

    @Test
    void acceptsTheSumOfTheValuesThatWereNotLate() {
        Verdict.Report report =
                judgeRevenue(
                        List.of(new CommittedValue("acme", 0, 1_250, 1)),
                        List.of(new SideRecord("o3", "WINDOW_CLOSED", 0, 2)));

        assertThat(report.problems()).isEmpty();
        assertThat(report.kafkaTotal()).isEqualTo(1_250);
        assertThat(report.lateEvents()).isEqualTo(1);
    }

    @Test
    void catchesASumThatCountsEventsInsteadOfAddingTheirValues() {
        Verdict.Report report =
                judgeRevenue(List.of(new CommittedValue("acme", 0, 3, 1)), List.of());

        assertThat(report.sinks()).allSatisfy(sink -> assertThat(sink.wrong()).hasSize(1));
        assertThat(report.problems()).contains("kafka: window acme@0 holds 3, expected 1290");
    }

    @Test
    void catchesASumThatAlsoHoldsALateEventsValue() {
        Verdict.Report report =
                judgeRevenue(
                        List.of(new CommittedValue("acme", 0, 1_290, 1)),
                        List.of(new SideRecord("o3", "WINDOW_CLOSED", 0, 2)));

        assertThat(report.problems()).contains("mysql: window acme@0 holds 1290, expected 1250");
    }

    @Test
    void expectsAWindowWhoseValuesSumToZeroWhenAnEventWasNotLate() {
        List<ProducedRecord> refunded =
                List.of(
                        new ProducedRecord(0, 0, new Valid("o1", "acme", 1_000, 500, ON_TIME)),
                        new ProducedRecord(0, 1, new Valid("o2", "acme", 2_000, -500, ON_TIME)));

        Verdict.Report report =
                Verdict.judge(
                        refunded,
                        MINUTE,
                        BOUND,
                        ReadOrder.PARTITIONS_IN_STEP,
                        new Observations(
                                List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));

        assertThat(report.sinks())
                .allSatisfy(
                        sink ->
                                assertThat(sink.missing())
                                        .containsExactly(new KeyWindow("acme", 0)));
    }

    private static Verdict.Report judge(
            List<CommittedValue> kafka,
            List<CommittedValue> table,
            List<SideRecord> late,
            List<SideRecord> dead,
            List<String> prepared) {
        return Verdict.judge(
                INPUT,
                MINUTE,
                BOUND,
                ReadOrder.PARTITIONS_IN_STEP,
                new Observations(kafka, table, late, dead, prepared, List.of()));
    }

    /**
     * Part of a live topic: alice's window is judged, bob's visit and a bad record are only read
     * along. Alice's event id comes twice, at two positions: the job counts both.
     */
    private static final List<ProducedRecord> PART =
            List.of(
                    new ProducedRecord(0, 0, new Valid("a1", "alice", 1_000, ON_TIME)),
                    new ProducedRecord(0, 1, new Valid("b1", "bob", 61_000, ON_TIME)),
                    new ProducedRecord(0, 2, new Rejected("BAD_MAGIC_BYTE")),
                    new ProducedRecord(0, 3, new Valid("a1", "alice", 2_000, ON_TIME)));

    private static Verdict.Report judgePart(Predicate<ProducedRecord> judged) {
        List<CommittedValue> alice = List.of(new CommittedValue("alice", 0, 2, 1));
        List<SideRecord> bobLate = List.of(new SideRecord("b1", "WINDOW_CLOSED", 0, 1));
        List<SideRecord> dead = List.of(new SideRecord(null, "TRUNCATED", 0, 2));
        return Verdict.judge(
                PART,
                judged,
                MINUTE,
                BOUND,
                ReadOrder.PARTITIONS_IN_STEP,
                new Observations(alice, alice, bobLate, dead, List.of(), List.of()));
    }

    @Test
    void judgesOnlyTheChosenRecordsAndPassesOverSideRecordsOfTheOthers() {
        Verdict.Report report = judgePart(r -> r.offset() != 1 && r.offset() != 2);

        assertThat(report.problems()).isEmpty();
        assertThat(report.inputRecords()).isEqualTo(2);
        assertThat(report.validEvents()).isEqualTo(2);
        assertThat(report.lateEvents()).isZero();
        assertThat(report.deadLetters()).isZero();
    }

    @Test
    void judgingEverythingSeesWhatThePartPassedOver() {
        Verdict.Report report = judgePart(r -> true);

        assertThat(report.problems())
                .contains("dead letter 0@2 has reason TRUNCATED, expected BAD_MAGIC_BYTE")
                .anyMatch(p -> p.startsWith("on-time event b1 "));
        // Alice's window holds both a1s either way.
        assertThat(report.sinks()).allSatisfy(sink -> assertThat(sink.findings()).isEmpty());
    }
}

package io.exactlyonce.local.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.local.verify.Expectation.Rejected;
import io.exactlyonce.local.verify.Expectation.Valid;
import io.exactlyonce.local.verify.Observations.CommittedCount;
import io.exactlyonce.local.verify.Observations.SideRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdict must catch every way a sink can be wrong, or the suites prove nothing. */
class VerdictTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** Alice: two visits in window 0, one in window 60000 that arrived late; one bad record. */
    private static final List<ProducedRecord> INPUT = List.of(
            new ProducedRecord(0, 0, new Valid("e1", "alice", 1_000)),
            new ProducedRecord(0, 1, new Valid("e2", "alice", 2_000)),
            new ProducedRecord(0, 2, new Valid("e3", "alice", 61_000)),
            new ProducedRecord(1, 0, new Rejected("BAD_MAGIC_BYTE")));

    private static final List<SideRecord> LATE = List.of(new SideRecord("e3", "WINDOW_CLOSED", 0, 2));
    private static final List<SideRecord> DEAD = List.of(new SideRecord(null, "BAD_MAGIC_BYTE", 1, 0));
    private static final List<CommittedCount> EXACT = List.of(new CommittedCount("alice", 0, 2, 1));

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
        List<CommittedCount> twice = List.of(
                new CommittedCount("alice", 0, 2, 1), new CommittedCount("alice", 0, 2, 1));
        List<CommittedCount> rewritten = List.of(new CommittedCount("alice", 0, 2, 2));

        Verdict.Report report = judge(twice, rewritten, LATE, DEAD, List.of());

        assertThat(report.sinks()).allSatisfy(sink -> assertThat(sink.duplicate()).hasSize(1));
    }

    @Test
    void catchesAWrongCount() {
        List<CommittedCount> wrong = List.of(new CommittedCount("alice", 0, 3, 1));

        assertThat(judge(wrong, EXACT, LATE, DEAD, List.of()).sinks().get(0).wrong()).hasSize(1);
    }

    @Test
    void catchesALateVisitThatWasAlsoCounted() {
        List<CommittedCount> countedToo = List.of(
                new CommittedCount("alice", 0, 2, 1), new CommittedCount("alice", 60_000, 1, 1));

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

    private static Verdict.Report judge(
            List<CommittedCount> kafka, List<CommittedCount> table, List<SideRecord> late,
            List<SideRecord> dead, List<String> prepared) {
        return Verdict.judge(INPUT, MINUTE, new Observations(kafka, table, late, dead, prepared, List.of()));
    }
}

package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class DecodedRecordTest {

    private static final Visit VISIT = TestVisits.visit("e1", "alice", 1_000L);
    private static final DeadLetter DEAD_LETTER =
            new DeadLetter(
                    DeadLetterReason.MALFORMED_AVRO,
                    "bad varint",
                    new RawRecord("visits", 0, 3L, 1_000L, null, new byte[] {9}));

    @Test
    void holdsEitherAVisitOrADeadLetter() {
        assertThat(DecodedRecord.visit(VISIT).isVisit()).isTrue();
        assertThat(DecodedRecord.visit(VISIT).visit()).isEqualTo(VISIT);
        assertThat(DecodedRecord.deadLetter(DEAD_LETTER).isVisit()).isFalse();
        assertThat(DecodedRecord.deadLetter(DEAD_LETTER).deadLetter()).isEqualTo(DEAD_LETTER);
    }

    @Test
    void refusesNeither() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DecodedRecord(null, null))
                .withMessageContaining("neither");
    }

    @Test
    void refusesBoth() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DecodedRecord(VISIT, DEAD_LETTER))
                .withMessageContaining("both");
    }
}

package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class SplitDeadLettersTest {

    @Test
    void sendsVisitsOnAndDeadLettersToTheSideOutput() throws Exception {
        Visit visit = TestVisits.visit("e1", "alice", 1_000L);
        DeadLetter deadLetter =
                new DeadLetter(
                        DeadLetterReason.BAD_MAGIC_BYTE,
                        "magic byte 7",
                        new RawRecord("visits", 2, 42L, 1_000L, null, new byte[] {7}));

        try (OneInputStreamOperatorTestHarness<DecodedRecord, Visit> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new SplitDeadLetters())) {
            harness.processElement(DecodedRecord.visit(visit), 1_000L);
            harness.processElement(DecodedRecord.deadLetter(deadLetter), 1_000L);

            assertThat(harness.extractOutputValues()).containsExactly(visit);
            assertThat(harness.getSideOutput(SplitDeadLetters.DEAD_LETTERS))
                    .extracting(record -> record.getValue())
                    .containsExactly(deadLetter);
        }
    }
}

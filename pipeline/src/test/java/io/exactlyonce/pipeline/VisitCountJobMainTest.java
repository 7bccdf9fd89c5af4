package io.exactlyonce.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exactlyonce.pipeline.config.TestOptions;
import org.apache.flink.client.program.ProgramParametrizationException;
import org.junit.jupiter.api.Test;

/** What {@code flink run} shows when main() refuses its options. */
class VisitCountJobMainTest {

    @Test
    void aRefusedOptionIsAMessageForFlinkRunNotAStackTrace() {
        Throwable refusal =
                catchThrowable(
                        () ->
                                VisitCountJob.main(
                                        TestOptions.append(
                                                TestOptions.REQUIRED, "--window.size", "0 s")));

        // The flink CLI prints only the message of a ProgramParametrizationException.
        assertThat(refusal)
                .isInstanceOf(ProgramParametrizationException.class)
                .hasNoCause()
                .hasMessage("window.size must be positive");
    }
}

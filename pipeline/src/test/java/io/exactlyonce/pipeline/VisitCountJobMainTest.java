package io.exactlyonce.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.apache.flink.client.program.ProgramParametrizationException;
import org.junit.jupiter.api.Test;

/** What {@code flink run} shows when main() refuses its options. */
class VisitCountJobMainTest {

    @Test
    void aRefusedOptionIsAMessageForFlinkRunNotAStackTrace() {
        Throwable refusal = catchThrowable(() -> VisitCountJob.main(new String[] {
            "--kafka.bootstrap-servers", "broker:9092",
            "--schema-registry.url", "http://registry:8081",
            "--jdbc.url", "jdbc:mysql://db:3306/visits",
            "--jdbc.user", "visit_count",
            "--window.size", "0 s"}));

        // The flink CLI prints only the message of a ProgramParametrizationException.
        assertThat(refusal).isInstanceOf(ProgramParametrizationException.class).hasNoCause()
                .hasMessage("window.size must be positive");
    }
}

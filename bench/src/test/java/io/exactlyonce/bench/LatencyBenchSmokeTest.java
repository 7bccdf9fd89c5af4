package io.exactlyonce.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The latency bench on short live input, under backpressure with aligned and with unaligned
 * checkpoints: every measured window must reach both readers with exactly its users. Latency is
 * reported, never asserted.
 */
class LatencyBenchSmokeTest {

    @Test
    void everyMeasuredWindowReachesBothReadersWithExactlyItsUsers() throws Exception {
        Map<String, String> options =
                LatencyBench.OPTIONS.parse(
                        new String[] {
                            "--intervals", "",
                            "--backpressure-rate", "40000",
                            "--backpressure-interval", "500 ms",
                            "--backpressure-duration", "12 s",
                            "--warm-up", "4 s",
                            "--window-size", "2 s",
                            "--out-of-orderness", "3 s",
                            "--users", "300",
                            "--heap", "768m",
                            "--work-dir", Path.of("target", "latency-smoke-work").toString()
                        });

        List<LatencyBench.Result> results = LatencyBench.run(options, System.out::println);

        System.out.println(LatencyBench.table(results, options));
        assertThat(results).extracting(r -> r.run().unaligned()).containsExactly(false, true);
        assertThat(results)
                .allSatisfy(
                        r -> {
                            assertThat(r.problems()).isEmpty();
                            assertThat(r.windows()).isPositive();
                            assertThat(r.committedReader()).isNotEmpty();
                            assertThat(r.sqlReader()).hasSameSizeAs(r.committedReader());
                            assertThat(r.checkpoints().completed()).isPositive();
                        });
    }
}

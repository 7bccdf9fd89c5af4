package io.exactlyonce.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole bench on a small input, once per system: every system's output must be correct. Timing
 * is reported, never asserted.
 */
class BenchSmokeTest {

    @Test
    void everySystemProducesCorrectOutputOnASmallInput() throws Exception {
        Path out = Path.of("target", "bench-smoke");
        Map<String, String> options =
                Bench.parse(
                        new String[] {
                            "--runs", "1",
                            "--scenarios", "smoke:30000:300:3",
                            "--out", out.toString(),
                            "--work-dir", Path.of("target", "bench-smoke-work").toString(),
                            "--heap", "768m"
                        });

        Report report = Bench.run(options, System.out::println);

        System.out.println(report.table());
        assertThat(report.rows())
                .extracting(Report.Row::system)
                .containsExactly(SystemUnderTest.values());
        assertThat(report.rows())
                .allSatisfy(
                        row -> {
                            assertThat(row.runs()).hasSize(1);
                            assertThat(row.runs().get(0).problems()).isEmpty();
                            assertThat(row.runs().get(0).visitsPerSecond()).isPositive();
                        });
        for (String file :
                Arrays.asList("results.csv", "results.json", "results.md", "throughput.svg")) {
            assertThat(out.resolve(file)).isNotEmptyFile();
        }
        assertThat(Files.readString(out.resolve("throughput.svg"))).contains("<rect");
    }
}

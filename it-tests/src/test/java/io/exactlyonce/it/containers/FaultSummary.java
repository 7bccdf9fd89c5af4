package io.exactlyonce.it.containers;

import io.exactlyonce.testkit.verify.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One line per scenario run in {@code target/fault-summary.txt}, to compare runs and scenarios. A
 * scenario with several faults lists their recoveries in order: {@code recovery_s=21.3,34.0}.
 */
final class FaultSummary {

    private FaultSummary() {}

    /**
     * @param recoveries from each fault to the first checkpoint completed after it, in order; none
     *     for a scenario without a fault
     * @param startup of the containers
     * @param run of the scenario, from submitting the job to the verdict
     */
    static void append(
            String scenario,
            Verdict.Report report,
            List<Duration> recoveries,
            Duration startup,
            Duration run)
            throws IOException {
        Path file = Path.of(System.getProperty("it.fault-summary", "target/fault-summary.txt"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        String line =
                String.format(
                        Locale.ROOT,
                        "%s events=%d windows=%d missing=%d duplicate=%d wrong=%d verdict=%s"
                                + " recovery_s=%s startup_s=%d run_s=%d%n",
                        scenario,
                        report.inputRecords(),
                        report.sinks().get(0).expectedWindows(),
                        report.sinks().stream().mapToInt(s -> s.missing().size()).sum(),
                        report.sinks().stream().mapToInt(s -> s.duplicate().size()).sum(),
                        report.sinks().stream().mapToInt(s -> s.wrong().size()).sum(),
                        report.exactlyOnce() ? "exactly-once" : "violated",
                        recoveries.isEmpty()
                                ? "-"
                                : recoveries.stream()
                                        .map(
                                                r ->
                                                        String.format(
                                                                Locale.ROOT,
                                                                "%.1f",
                                                                r.toMillis() / 1000.0))
                                        .collect(Collectors.joining(",")),
                        startup.toSeconds(),
                        run.toSeconds());
        Files.writeString(
                file,
                line,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}

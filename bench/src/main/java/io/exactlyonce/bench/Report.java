package io.exactlyonce.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The bench's figures: a table per scenario (median and min–max throughput, CPU per million visits,
 * peak memory, runs checked), the ratios the targets are stated in, every run as CSV, everything as
 * JSON, and a bar chart as SVG.
 */
final class Report {

    /** A ratio of two systems' median throughputs, and the least it should be. */
    record Ratio(
            String name, SystemUnderTest numerator, SystemUnderTest denominator, double target) {}

    static final List<Ratio> RATIOS =
            List.of(
                    new Ratio(
                            "job EO / job ALO, both sinks",
                            SystemUnderTest.JOB_EO,
                            SystemUnderTest.JOB_ALO,
                            0.95),
                    new Ratio(
                            "job EO Kafka sink / Kafka Streams EO v2",
                            SystemUnderTest.JOB_KAFKA_EO,
                            SystemUnderTest.KAFKA_STREAMS_EO,
                            2.0),
                    new Ratio(
                            "job EO both sinks / ceiling",
                            SystemUnderTest.JOB_EO,
                            SystemUnderTest.CEILING,
                            0.5));

    /** One system's runs over one scenario. */
    record Row(Scenario scenario, SystemUnderTest system, List<RunResult> runs) {

        double median(ToDoubleFunction<RunResult> figure) {
            double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
            int n = values.length;
            return n == 0
                    ? Double.NaN
                    : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        }

        double min(ToDoubleFunction<RunResult> figure) {
            return runs.stream().mapToDouble(figure).min().orElse(Double.NaN);
        }

        double max(ToDoubleFunction<RunResult> figure) {
            return runs.stream().mapToDouble(figure).max().orElse(Double.NaN);
        }

        long correct() {
            return runs.stream().filter(RunResult::correct).count();
        }
    }

    private final List<RunResult> results;
    private final Map<Scenario, Integer> resultsPerScenario;
    private final Map<String, String> setup;
    private final List<Row> rows = new ArrayList<>();

    Report(
            List<RunResult> results,
            Map<Scenario, Integer> resultsPerScenario,
            Map<String, String> setup) {
        this.results = results;
        this.resultsPerScenario = resultsPerScenario;
        this.setup = setup;
        for (Scenario scenario : resultsPerScenario.keySet()) {
            for (SystemUnderTest system : SystemUnderTest.values()) {
                List<RunResult> runs =
                        results.stream()
                                .filter(r -> r.scenario().equals(scenario) && r.system() == system)
                                .toList();
                if (!runs.isEmpty()) {
                    rows.add(new Row(scenario, system, runs));
                }
            }
        }
    }

    boolean allCorrect() {
        return results.stream().allMatch(RunResult::correct);
    }

    List<Row> rows() {
        return rows;
    }

    /** The median throughput ratio, NaN when either system did not run. */
    double ratio(Scenario scenario, Ratio ratio) {
        return median(scenario, ratio.numerator()) / median(scenario, ratio.denominator());
    }

    private double median(Scenario scenario, SystemUnderTest system) {
        return rows.stream()
                .filter(r -> r.scenario().equals(scenario) && r.system() == system)
                .mapToDouble(r -> r.median(RunResult::visitsPerSecond))
                .findFirst()
                .orElse(Double.NaN);
    }

    /** Markdown: setup, one table per scenario, its ratios, and every problem found. */
    String table() {
        StringBuilder out = new StringBuilder();
        setup.forEach(
                (key, value) ->
                        out.append("- ").append(key).append(": ").append(value).append('\n'));
        for (Scenario scenario : resultsPerScenario.keySet()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%n### %s: %,d visits, %,d users, %d windows,"
                                    + " %,d (user, window) results%n%n",
                            scenario.name(),
                            scenario.visits(),
                            scenario.users(),
                            scenario.windows(),
                            resultsPerScenario.get(scenario)));
            out.append(
                    "| system | visits/s median | min – max | of ceiling | CPU s / M visits"
                            + " (system) | CPU s / M visits (broker + DB) | heap peak MB | live heap MB"
                            + " | RSS peak MB | checkpoint state MB | runs correct |\n");
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            double ceiling = median(scenario, SystemUnderTest.CEILING);
            for (Row row : rows) {
                if (!row.scenario().equals(scenario)) {
                    continue;
                }
                double median = row.median(RunResult::visitsPerSecond);
                out.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %,.0f | %,.0f – %,.0f | %.2f | %.2f | %.2f | %,.0f | %,.0f | %,.0f | %s"
                                        + " | %d/%d |%n",
                                row.system().label(),
                                median,
                                row.min(RunResult::visitsPerSecond),
                                row.max(RunResult::visitsPerSecond),
                                median / ceiling,
                                row.median(RunResult::cpuSecondsPerMillion),
                                row.median(RunResult::servicesCpuSecondsPerMillion),
                                row.max(r -> r.heapPeakBytes() / 1e6),
                                row.max(r -> r.liveHeapPeakBytes() / 1e6),
                                row.max(r -> r.rssPeakBytes() / 1e6),
                                row.system().isJob()
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.1f",
                                                row.max(RunResult::checkpointStateMegabytes))
                                        : "–",
                                row.correct(),
                                row.runs().size()));
            }
            out.append("\n| ratio of medians | measured | target |\n|---|---:|---:|\n");
            for (Ratio ratio : RATIOS) {
                double value = ratio(scenario, ratio);
                if (!Double.isNaN(value)) {
                    out.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %s | %.2f | ≥ %.2f %s |%n",
                                    ratio.name(),
                                    value,
                                    ratio.target(),
                                    value >= ratio.target() ? "(met)" : "(not met)"));
                }
            }
        }
        List<String> problems =
                results.stream()
                        .filter(r -> !r.correct())
                        .flatMap(
                                r ->
                                        r.problems().stream()
                                                .map(
                                                        p ->
                                                                r.scenario().name()
                                                                        + " / "
                                                                        + r.system()
                                                                        + " / run "
                                                                        + r.round()
                                                                        + ": "
                                                                        + p))
                        .toList();
        if (!problems.isEmpty()) {
            out.append("\nWrong output:\n");
            problems.forEach(p -> out.append("- ").append(p).append('\n'));
        }
        return out.toString();
    }

    String csv() {
        StringBuilder out =
                new StringBuilder(
                        "scenario,visits,system,run,seconds,visits_per_second,"
                                + "cpu_s_per_m_visits,services_cpu_s_per_m_visits,heap_peak_mb,live_heap_peak_mb,"
                                + "rss_peak_mb,checkpoints,checkpoint_state_mb,checkpoint_p50_ms,correct\n");
        for (RunResult r : results) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%d,%s,%d,%.3f,%.0f,%.3f,%.3f,%.1f,%.1f,%.1f,%d,%.2f,%.0f,%s%n",
                            r.scenario().name(),
                            r.scenario().visits(),
                            r.system(),
                            r.round(),
                            r.elapsedNanos() / 1e9,
                            r.visitsPerSecond(),
                            r.cpuSecondsPerMillion(),
                            r.servicesCpuSecondsPerMillion(),
                            r.heapPeakBytes() / 1e6,
                            r.liveHeapPeakBytes() / 1e6,
                            r.rssPeakBytes() / 1e6,
                            r.checkpoints().completed(),
                            r.checkpointStateMegabytes(),
                            r.checkpoints().durationP50Millis(),
                            r.correct()));
        }
        return out.toString();
    }

    String json() {
        StringBuilder out = new StringBuilder("{\n  \"setup\": {");
        List<String> entries = new ArrayList<>();
        setup.forEach((k, v) -> entries.add("\n    " + quote(k) + ": " + quote(v)));
        out.append(String.join(",", entries)).append("\n  },\n  \"scenarios\": [");
        List<String> scenarios = new ArrayList<>();
        for (Scenario scenario : resultsPerScenario.keySet()) {
            StringBuilder s =
                    new StringBuilder(
                            String.format(
                                    Locale.ROOT,
                                    "\n    {\"name\": %s, \"visits\": %d, \"users\": %d, \"windows\": %d,"
                                            + " \"results\": %d,\n     \"systems\": [",
                                    quote(scenario.name()),
                                    scenario.visits(),
                                    scenario.users(),
                                    scenario.windows(),
                                    resultsPerScenario.get(scenario)));
            List<String> systems = new ArrayList<>();
            for (Row row : rows) {
                if (row.scenario().equals(scenario)) {
                    systems.add(
                            String.format(
                                    Locale.ROOT,
                                    "\n      {\"system\": %s, \"label\": %s,"
                                            + " \"visits_per_second\": {\"median\": %.0f, \"min\": %.0f,"
                                            + " \"max\": %.0f, \"runs\": %s}, \"cpu_s_per_m_visits\": %.3f,"
                                            + " \"services_cpu_s_per_m_visits\": %.3f,"
                                            + " \"heap_peak_mb\": %.1f, \"live_heap_peak_mb\": %.1f,"
                                            + " \"rss_peak_mb\": %.1f,"
                                            + " \"checkpoint_state_mb\": %.2f,"
                                            + " \"runs_correct\": %d, \"runs\": %d}",
                                    quote(row.system().name()),
                                    quote(row.system().label()),
                                    row.median(RunResult::visitsPerSecond),
                                    row.min(RunResult::visitsPerSecond),
                                    row.max(RunResult::visitsPerSecond),
                                    Arrays.toString(
                                            row.runs().stream()
                                                    .mapToLong(r -> Math.round(r.visitsPerSecond()))
                                                    .toArray()),
                                    row.median(RunResult::cpuSecondsPerMillion),
                                    row.median(RunResult::servicesCpuSecondsPerMillion),
                                    row.max(r -> r.heapPeakBytes() / 1e6),
                                    row.max(r -> r.liveHeapPeakBytes() / 1e6),
                                    row.max(r -> r.rssPeakBytes() / 1e6),
                                    row.max(RunResult::checkpointStateMegabytes),
                                    row.correct(),
                                    row.runs().size()));
                }
            }
            s.append(String.join(",", systems)).append("],\n     \"ratios\": {");
            Map<String, String> ratios = new LinkedHashMap<>();
            for (Ratio ratio : RATIOS) {
                double value = ratio(scenario, ratio);
                if (!Double.isNaN(value)) {
                    ratios.put(
                            ratio.name(),
                            String.format(
                                    Locale.ROOT,
                                    "{\"measured\": %.3f, \"target\": %.2f}",
                                    value,
                                    ratio.target()));
                }
            }
            List<String> ratioEntries = new ArrayList<>();
            ratios.forEach((k, v) -> ratioEntries.add(quote(k) + ": " + v));
            s.append(String.join(", ", ratioEntries)).append("}}");
            scenarios.add(s.toString());
        }
        out.append(String.join(",", scenarios))
                .append("\n  ],\n  \"all_correct\": ")
                .append(allCorrect())
                .append("\n}\n");
        return out.toString();
    }

    /** Horizontal bars of the median throughput per system, min–max whiskers, per scenario. */
    String svg() {
        int labelWidth = 330;
        int plotWidth = 520;
        int barHeight = 22;
        int gap = 6;
        int headerHeight = 34;
        StringBuilder body = new StringBuilder();
        int y = 40;
        String[] colours = {"#1f77b4", "#aec7e8", "#2ca02c", "#d62728", "#7f7f7f"};
        for (Scenario scenario : resultsPerScenario.keySet()) {
            List<Row> scenarioRows =
                    rows.stream().filter(r -> r.scenario().equals(scenario)).toList();
            double top =
                    scenarioRows.stream()
                            .mapToDouble(r -> r.max(RunResult::visitsPerSecond))
                            .max()
                            .orElse(1);
            body.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s: %,d visits, %,d results"
                                    + " (visits per second, median of %d runs, min–max)</text>%n",
                            y + 18,
                            escape(scenario.name()),
                            scenario.visits(),
                            resultsPerScenario.get(scenario),
                            scenarioRows.get(0).runs().size()));
            y += headerHeight;
            for (Row row : scenarioRows) {
                double scale = plotWidth / top;
                double median = row.median(RunResult::visitsPerSecond);
                int width = (int) Math.round(median * scale);
                body.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                                labelWidth - 8,
                                y + barHeight - 6,
                                escape(row.system().label())));
                body.append(
                        String.format(
                                Locale.ROOT,
                                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                                labelWidth,
                                y,
                                width,
                                barHeight,
                                colours[row.system().ordinal() % colours.length]));
                int x1 = labelWidth + (int) Math.round(row.min(RunResult::visitsPerSecond) * scale);
                int x2 = labelWidth + (int) Math.round(row.max(RunResult::visitsPerSecond) * scale);
                int mid = y + barHeight / 2;
                body.append(
                        String.format(
                                Locale.ROOT,
                                "<path d=\"M%d %d H%d M%d %d V%d M%d %d V%d\" stroke=\"black\"/>%n",
                                x1,
                                mid,
                                x2,
                                x1,
                                mid - 5,
                                mid + 5,
                                x2,
                                mid - 5,
                                mid + 5));
                body.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%d\" y=\"%d\">%,.0f%s</text>%n",
                                Math.max(x2, labelWidth + width) + 6,
                                y + barHeight - 6,
                                median,
                                row.correct() == row.runs().size() ? "" : " (WRONG OUTPUT)"));
                y += barHeight + gap;
            }
            y += 14;
        }
        int height = y + 10;
        int totalWidth = labelWidth + plotWidth + 130;
        return String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                        + " font-family=\"sans-serif\" font-size=\"13\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                        + "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">"
                        + "The cost of exactly-once: input visits per second</text>%n%s</svg>%n",
                totalWidth,
                height,
                body);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.csv"), csv());
        Files.writeString(dir.resolve("results.json"), json());
        Files.writeString(dir.resolve("results.md"), table());
        Files.writeString(dir.resolve("throughput.svg"), svg());
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

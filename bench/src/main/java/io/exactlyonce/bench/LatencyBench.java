package io.exactlyonce.bench;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How long a window's counts take to become visible, after the window's end plus the
 * out-of-orderness, to a {@code read_committed} Kafka consumer and to an SQL reader of the table:
 * the job with both sinks exactly-once on live input at a steady rate, once per checkpoint
 * interval, then under backpressure (input faster than the job) with aligned and with unaligned
 * checkpoints. Every measured window must show exactly the users that visited it, each once with
 * its number of visits, in both places.
 */
public final class LatencyBench {

    static final BenchOptions OPTIONS =
            new BenchOptions(
                            "Visibility latency of the job's counts, per checkpoint interval and"
                                    + " under backpressure.\nUsage: bench/run latency [--option value ...]")
                    .option(
                            "intervals",
                            "1 s,5 s,30 s",
                            "checkpoint intervals, each one run at --rate")
                    .option(
                            "rate",
                            "180000",
                            "steady input, visits/s: about half the job's maximum here"
                                    + " (361,000 at 5 s, measured with bench/run)")
                    .option(
                            "backpressure-rate",
                            "600000",
                            "input above the job's maximum, visits/s, for one aligned and one"
                                    + " unaligned run; 0 leaves them out")
                    .option("backpressure-interval", "5 s", "checkpoint interval of those runs")
                    .option("duration", "2 min", "how long each steady run writes input")
                    .option(
                            "backpressure-duration",
                            "1 min",
                            "how long each backpressure run writes input")
                    .option("warm-up", "30 s", "windows that end earlier are not measured")
                    .option("users", "5000", "distinct users")
                    .option(
                            "window-size",
                            "10700 ms",
                            "tumbling event-time window; no multiple of an interval, so the windows"
                                    + " close at every phase of the checkpoint cycle")
                    .jobOptions()
                    .option("out", "bench/results/latency", "where the table and CSV go")
                    .option(
                            "work-dir",
                            "bench/target/bench-latency",
                            "broker and database data, run logs");

    private static final Duration SQL_POLL = Duration.ofMillis(50);

    /** One run: a checkpoint interval, an input rate, aligned or unaligned checkpoints. */
    record Case(
            String name,
            Duration interval,
            long rate,
            Duration duration,
            boolean overload,
            boolean unaligned) {}

    /** What one run measured; delays in milliseconds, sorted. */
    record Result(
            Case run,
            PacedVisits.Written written,
            int windows,
            long[] committedReader,
            long[] sqlReader,
            CheckpointStats checkpoints,
            List<String> problems) {

        /**
         * Input a failure replays at most: an interval and the slowest checkpoint's worth, read at
         * the input's rate; -1 when the job read slower than the input came (backpressure).
         */
        long replayedVisitsAtMost() {
            if (run.overload()) {
                return -1;
            }
            long span = run.interval().toMillis() + Math.max(0, checkpoints.durationMaxMillis());
            return Math.round(written.visitsPerSecond() * span / 1000.0);
        }
    }

    private LatencyBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = OPTIONS.parseOrExit("bench latency", args);
        List<Result> results;
        try {
            results = run(options, Bench::say);
        } catch (IllegalArgumentException e) {
            System.err.println("bench latency: " + e.getMessage());
            System.exit(2);
            return;
        }
        String table = table(results, options);
        System.out.println();
        System.out.println(table);
        Path out = Path.of(options.get("out"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("latency.md"), table);
        Files.writeString(out.resolve("latency.csv"), csv(results));
        Bench.say("figures written to " + out);
        System.exit(results.stream().allMatch(r -> r.problems().isEmpty()) ? 0 : 1);
    }

    static List<Result> run(Map<String, String> options, Consumer<String> progress)
            throws Exception {
        Duration outOfOrderness = TimeUtils.parseDuration(options.get("out-of-orderness"));
        if (outOfOrderness.compareTo(InputGenerator.JITTER) <= 0) {
            // Visits dated further back than the bound are late: the counts would fall short.
            throw new IllegalArgumentException(
                    "--out-of-orderness must exceed the writer's jitter of "
                            + TimeUtils.formatWithHighestUnit(InputGenerator.JITTER));
        }
        long rate = Long.parseLong(options.get("rate"));
        long backpressureRate = Long.parseLong(options.get("backpressure-rate"));
        List<Case> cases = new ArrayList<>();
        for (String interval : options.get("intervals").split(",")) {
            if (interval.isBlank()) {
                continue;
            }
            Duration parsed = TimeUtils.parseDuration(interval.trim());
            cases.add(
                    new Case(
                            "steady, " + TimeUtils.formatWithHighestUnit(parsed),
                            parsed,
                            rate,
                            TimeUtils.parseDuration(options.get("duration")),
                            false,
                            false));
        }
        if (backpressureRate > 0) {
            Duration interval = TimeUtils.parseDuration(options.get("backpressure-interval"));
            Duration duration = TimeUtils.parseDuration(options.get("backpressure-duration"));
            cases.add(
                    new Case(
                            "backpressure, aligned",
                            interval,
                            backpressureRate,
                            duration,
                            true,
                            false));
            cases.add(
                    new Case(
                            "backpressure, unaligned",
                            interval,
                            backpressureRate,
                            duration,
                            true,
                            true));
        }
        Path workDir = Path.of(options.get("work-dir")).toAbsolutePath();
        Bench.deleteRecursively(workDir.resolve("kafka"));
        Bench.deleteRecursively(workDir.resolve("mariadb"));
        Bench.deleteRecursively(workDir.resolve("checkpoints"));
        progress.accept("starting Kafka, MariaDB and the schema registry in " + workDir);
        String stamp = Long.toString(Instant.now().getEpochSecond() % 100_000, 36);
        List<Result> results = new ArrayList<>();
        try (EmbeddedInfrastructure services = EmbeddedInfrastructure.start(workDir)) {
            int n = 0;
            for (Case run : cases) {
                String name = "l" + stamp + "-" + (++n);
                Result result = measure(services, options, run, name, workDir);
                results.add(result);
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "%s: %,.0f visits/s, %d windows, read_committed p99 %s s,"
                                        + " SQL p99 %s s%s",
                                run.name(),
                                result.written().visitsPerSecond(),
                                result.windows(),
                                seconds(percentile(result.committedReader(), 0.99)),
                                seconds(percentile(result.sqlReader(), 0.99)),
                                result.problems().isEmpty() ? "" : ", " + result.problems()));
            }
        }
        return results;
    }

    private static Result measure(
            EmbeddedInfrastructure services,
            Map<String, String> options,
            Case run,
            String name,
            Path workDir)
            throws Exception {
        int partitions = Integer.parseInt(options.get("partitions"));
        Duration window = TimeUtils.parseDuration(options.get("window-size"));
        Duration outOfOrderness = TimeUtils.parseDuration(options.get("out-of-orderness"));
        RunSpec spec =
                new RunSpec(
                        SystemUnderTest.JOB_EO,
                        name,
                        services.bootstrapServers(),
                        services.registryUrl(),
                        services.jdbcUrl(name),
                        name + "-visits",
                        partitions,
                        Integer.parseInt(options.get("parallelism")),
                        run.interval(),
                        window,
                        outOfOrderness,
                        Integer.parseInt(options.get("jdbc-batch-size")),
                        true,
                        run.unaligned(),
                        "filesystem",
                        workDir.resolve("checkpoints").toString());
        services.createTopic(spec.inputTopic(), partitions, Map.of());
        Bench.prepare(services, spec);
        createTableWithWindowIndex(spec.jdbcUrl());

        long ooo = outOfOrderness.toMillis();
        Visibility committed = new Visibility("read_committed", ooo);
        Visibility sql = new Visibility("SQL", ooo);
        WindowResults committedRows = new WindowResults("read_committed");
        AtomicBoolean stop = new AtomicBoolean();
        ScheduledExecutorService readers = Executors.newScheduledThreadPool(2);
        List<String> problems = new ArrayList<>();
        AtomicReference<String> readerFailure = new AtomicReference<>();
        SqlReader tableReader = new SqlReader(spec.jdbcUrl(), window.toMillis(), sql);
        Process job = ForkedRun.start(spec, workDir.resolve("runs"), options.get("heap"), false);
        try {
            readers.execute(
                    () ->
                            readCommitted(
                                    spec, services, committed, committedRows, stop, readerFailure));
            readers.scheduleWithFixedDelay(
                    tableReader, 0, SQL_POLL.toMillis(), TimeUnit.MILLISECONDS);

            PacedVisits.Written written =
                    PacedVisits.write(
                            services.bootstrapServers(),
                            services.registryUrl(),
                            spec.inputTopic(),
                            Integer.parseInt(options.get("users")),
                            run.rate(),
                            run.duration(),
                            window,
                            42);
            long warmUp = TimeUtils.parseDuration(options.get("warm-up")).toMillis();
            Map<Long, int[]> measured = new TreeMap<>();
            Map<Long, Integer> rowsExpected = new TreeMap<>();
            written.visitsPerWindowEnd()
                    .forEach(
                            (end, visits) -> {
                                // Windows the input closed: the newest visit is dated at least
                                // their end plus the bound (and a second for the jitter's tail).
                                if (end >= written.startMillis() + warmUp
                                        && end + ooo + 1000 <= written.lastSendMillis()) {
                                    measured.put(end, visits);
                                    rowsExpected.put(end, written.usersIn(end));
                                }
                            });
            if (measured.isEmpty()) {
                problems.add("no window to measure: make --duration longer than --warm-up");
            }
            // Input written faster than the job reads it is read after the writing stops.
            long deadline =
                    System.currentTimeMillis()
                            + run.duration().toMillis()
                            + 2 * run.interval().toMillis()
                            + Duration.ofMinutes(1).toMillis();
            for (Visibility reader : List.of(committed, sql)) {
                if (!reader.awaitRows(rowsExpected, deadline, job::isAlive)) {
                    problems.add(
                            (job.isAlive() ? "" : "the job exited, see its log; ")
                                    + reader.mismatch(rowsExpected));
                }
            }
            // A row committed twice would come with a later checkpoint: look one interval longer.
            if (job.waitFor(run.interval().toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                problems.add("the job exited, see its log");
            }
            stop.set(true);
            readers.shutdown();
            readers.awaitTermination(30, TimeUnit.SECONDS);
            problems.addAll(committedRows.problems(measured));
            problems.addAll(tableRows(spec.jdbcUrl(), measured).problems(measured));
            tableReader.problem().ifPresent(problems::add);
            Optional.ofNullable(readerFailure.get()).ifPresent(problems::add);
            return new Result(
                    run,
                    written,
                    measured.size(),
                    committed.delays(measured.keySet()),
                    sql.delays(measured.keySet()),
                    CheckpointStats.read(spec),
                    List.copyOf(problems));
        } finally {
            try {
                job.destroy();
                if (!job.waitFor(30, TimeUnit.SECONDS)) {
                    job.destroyForcibly().waitFor();
                }
            } finally {
                stop.set(true);
                readers.shutdownNow();
                tableReader.close();
            }
        }
    }

    /** Every row of the table in these windows, as an SQL reader sees it once all are in. */
    private static WindowResults tableRows(String jdbcUrl, Map<Long, int[]> windows)
            throws SQLException {
        WindowResults rows = new WindowResults("SQL");
        if (windows.isEmpty()) {
            return rows;
        }
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "root", "");
                PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT window_end, user_id, visit_count, write_count FROM "
                                        + VisitCountTable.TABLE
                                        + " WHERE window_end BETWEEN ? AND ?")) {
            query.setLong(1, Collections.min(windows.keySet()));
            query.setLong(2, Collections.max(windows.keySet()));
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(
                            result.getLong(1),
                            result.getString(2),
                            result.getLong(3),
                            result.getInt(4));
                }
            }
        }
        return rows;
    }

    /**
     * The job's own table, made before the job starts, with an index on the window's end: what a
     * reader asking for the latest windows would have.
     */
    private static void createTableWithWindowIndex(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "root", "");
                Statement statement = connection.createStatement()) {
            statement.execute(VisitCountTable.CREATE_TABLE);
            statement.execute(
                    "CREATE INDEX visit_counts_by_window_end ON "
                            + VisitCountTable.TABLE
                            + " (window_end)");
        }
    }

    private static void readCommitted(
            RunSpec spec,
            EmbeddedInfrastructure services,
            Visibility visibility,
            WindowResults results,
            AtomicBoolean stop,
            AtomicReference<String> failure) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        ConfluentAvroDeserializer<UserVisitCount> deserializer =
                new ConfluentAvroDeserializer<>(UserVisitCount.class);
        deserializer.configure(Map.of("schema.registry.url", services.registryUrl()), false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < spec.parallelism(); p++) {
                partitions.add(new TopicPartition(spec.outputTopic(), p));
            }
            consumer.assign(partitions);
            while (!stop.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                Map<Long, Integer> rows = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    UserVisitCount count = deserializer.deserialize(record.topic(), record.value());
                    long end = count.getWindowEnd().toEpochMilli();
                    rows.merge(end, 1, Integer::sum);
                    results.add(end, count.getUserId(), count.getVisitCount(), 1);
                }
                rows.forEach((end, n) -> visibility.seen(end, n, now));
            }
        } catch (RuntimeException e) {
            failure.set("read_committed reader failed: " + e);
        }
    }

    /**
     * Polls the table for rows per window, from a little before the newest window it has seen; new
     * rows are visible from the poll that first counts them.
     */
    private static final class SqlReader implements Runnable, AutoCloseable {

        private final String jdbcUrl;
        private final long windowMillis;
        private final Visibility visibility;
        private final Map<Long, Integer> counted = new HashMap<>();
        private long newestEnd = Long.MIN_VALUE;
        private Connection connection;
        private volatile String problem;

        SqlReader(String jdbcUrl, long windowMillis, Visibility visibility) {
            this.jdbcUrl = jdbcUrl;
            this.windowMillis = windowMillis;
            this.visibility = visibility;
        }

        @Override
        public void run() {
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(jdbcUrl, "root", "");
                }
                long from = newestEnd == Long.MIN_VALUE ? 0 : newestEnd - 3 * windowMillis;
                try (PreparedStatement query =
                        connection.prepareStatement(
                                "SELECT window_end, COUNT(*) FROM "
                                        + VisitCountTable.TABLE
                                        + " WHERE window_end >= ? GROUP BY window_end")) {
                    query.setLong(1, from);
                    try (ResultSet rows = query.executeQuery()) {
                        long now = System.currentTimeMillis();
                        while (rows.next()) {
                            long end = rows.getLong(1);
                            int count = rows.getInt(2);
                            int before = counted.getOrDefault(end, 0);
                            if (count > before) {
                                visibility.seen(end, count - before, now);
                                counted.put(end, count);
                            }
                            newestEnd = Math.max(newestEnd, end);
                        }
                    }
                }
            } catch (SQLException e) {
                problem = "SQL reader failed: " + e.getMessage();
                throw new IllegalStateException(e);
            }
        }

        Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        @Override
        public void close() throws SQLException {
            if (connection != null) {
                connection.close();
            }
        }
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static String seconds(long millis) {
        return millis < 0 ? "–" : String.format(Locale.ROOT, "%.2f", millis / 1000.0);
    }

    private static String triple(long[] sorted) {
        return seconds(percentile(sorted, 0.5))
                + " / "
                + seconds(percentile(sorted, 0.99))
                + " / "
                + seconds(sorted.length == 0 ? -1 : sorted[sorted.length - 1]);
    }

    static String table(List<Result> results, Map<String, String> options) {
        StringBuilder out = new StringBuilder();
        Map<String, String> setup = Machine.describe();
        setup.put("load average after", Machine.loadAverage());
        setup.put(
                "settings",
                String.format(
                        Locale.ROOT,
                        "job with both sinks exactly-once, parallelism %s, %s input partitions,"
                                + " %s users, window %s, out-of-orderness %s, JDBC batch %s,"
                                + " input written for %s per steady run and %s per backpressure run,"
                                + " windows of the first %s not"
                                + " measured, checkpoints on the local file system, SQL polled"
                                + " every %d ms",
                        options.get("parallelism"),
                        options.get("partitions"),
                        options.get("users"),
                        options.get("window-size"),
                        options.get("out-of-orderness"),
                        options.get("jdbc-batch-size"),
                        options.get("duration"),
                        options.get("backpressure-duration"),
                        options.get("warm-up"),
                        SQL_POLL.toMillis()));
        setup.forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        out.append(
                "\nVisibility in seconds after the window's end plus the out-of-orderness,"
                        + " p50 / p99 / max over every (user, window) row of the measured windows.\n\n");
        out.append(
                "| run | input visits/s (target) | windows | read_committed p50 / p99 / max"
                        + " | SQL p50 / p99 / max | checkpoints | checkpoint p50 / p99 / max ms"
                        + " | checkpoint state MB | in-flight data persisted MB"
                        + " | a failure replays at most | correct |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            CheckpointStats c = r.checkpoints();
            out.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,.0f (%,d) | %d | %s | %s | %d | %.0f / %.0f / %d | %.1f | %.1f"
                                    + " | %s | %s |%n",
                            r.run().name(),
                            r.written().visitsPerSecond(),
                            r.run().rate(),
                            r.windows(),
                            triple(r.committedReader()),
                            triple(r.sqlReader()),
                            c.completed(),
                            c.durationP50Millis(),
                            c.durationP99Millis(),
                            c.durationMaxMillis(),
                            c.stateBytesMax() / 1e6,
                            Math.max(0, c.persistedBytesMax()) / 1e6,
                            r.replayedVisitsAtMost() < 0
                                    ? "–"
                                    : String.format(
                                            Locale.ROOT, "%,d visits", r.replayedVisitsAtMost()),
                            r.problems().isEmpty() ? "yes" : String.join("; ", r.problems())));
        }
        out.append("\n| target | measured | |\n|---|---:|---|\n");
        for (Result r : results) {
            if (r.run().overload()) {
                continue;
            }
            long p99 =
                    Math.max(
                            percentile(r.committedReader(), 0.99), percentile(r.sqlReader(), 0.99));
            Duration interval = r.run().interval();
            double target =
                    interval.equals(Duration.ofSeconds(5))
                            ? 6
                            : interval.equals(Duration.ofSeconds(1)) ? 2 : Double.NaN;
            if (!Double.isNaN(target)) {
                out.append(
                        String.format(
                                Locale.ROOT,
                                "| visibility p99 (the slower reader), interval %s ≤ %.0f s | %s s"
                                        + " | %s |%n",
                                TimeUtils.formatWithHighestUnit(interval),
                                target,
                                seconds(p99),
                                p99 >= 0 && p99 <= target * 1000 ? "met" : "not met"));
            }
        }
        return out.toString();
    }

    static String csv(List<Result> results) {
        StringBuilder out =
                new StringBuilder(
                        "run,interval_ms,unaligned,target_rate,visits_per_second,windows,"
                                + "committed_p50_ms,committed_p99_ms,committed_max_ms,"
                                + "sql_p50_ms,sql_p99_ms,sql_max_ms,checkpoints,checkpoint_p50_ms,"
                                + "checkpoint_p99_ms,checkpoint_max_ms,checkpoint_state_bytes,"
                                + "persisted_bytes,replayed_visits_at_most,correct\n");
        for (Result r : results) {
            long[] c = r.committedReader();
            long[] s = r.sqlReader();
            CheckpointStats k = r.checkpoints();
            out.append(
                            String.join(
                                    ",",
                                    Arrays.asList(
                                            "\"" + r.run().name() + "\"",
                                            Long.toString(r.run().interval().toMillis()),
                                            Boolean.toString(r.run().unaligned()),
                                            Long.toString(r.run().rate()),
                                            String.format(
                                                    Locale.ROOT,
                                                    "%.0f",
                                                    r.written().visitsPerSecond()),
                                            Integer.toString(r.windows()),
                                            Long.toString(percentile(c, 0.5)),
                                            Long.toString(percentile(c, 0.99)),
                                            Long.toString(percentile(c, 1.0)),
                                            Long.toString(percentile(s, 0.5)),
                                            Long.toString(percentile(s, 0.99)),
                                            Long.toString(percentile(s, 1.0)),
                                            Long.toString(k.completed()),
                                            String.format(
                                                    Locale.ROOT, "%.0f", k.durationP50Millis()),
                                            String.format(
                                                    Locale.ROOT, "%.0f", k.durationP99Millis()),
                                            Long.toString(k.durationMaxMillis()),
                                            Long.toString(k.stateBytesMax()),
                                            Long.toString(k.persistedBytesMax()),
                                            Long.toString(r.replayedVisitsAtMost()),
                                            Boolean.toString(r.problems().isEmpty()))))
                    .append('\n');
        }
        return out.toString();
    }
}

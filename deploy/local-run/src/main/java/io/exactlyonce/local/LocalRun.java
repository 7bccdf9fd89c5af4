package io.exactlyonce.local;

import io.exactlyonce.testkit.faults.FailOnceAfterCheckpoint;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Map.Entry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;

/**
 * The job on this machine with nothing but a JDK: an embedded Kafka broker, MariaDB and schema
 * registry, a Flink MiniCluster with its web UI, seeded traffic with a known answer, a failure
 * half-way, and at the end a table of expected versus committed in each sink. Exits 1 if
 * exactly-once did not hold.
 */
public final class LocalRun {

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("events", "20000");
        DEFAULTS.put("users", "50");
        DEFAULTS.put("window-size", "2 s");
        DEFAULTS.put("checkpoint-interval", "2 s");
        DEFAULTS.put("duration", "30 s");
        DEFAULTS.put("failure", "on");
        DEFAULTS.put("parallelism", "2");
        DEFAULTS.put("web-ui-port", "8081");
        DEFAULTS.put("work-dir", "target/local-run");
    }

    private static final Map<String, String> HELP = Map.of(
            "events", "valid visit events to generate",
            "users", "distinct users",
            "window-size", "tumbling event-time window",
            "checkpoint-interval", "exactly-once checkpoint interval",
            "duration", "how long producing the events takes",
            "failure", "on: fail the job once half-way and recover; off: no failure",
            "parallelism", "job parallelism",
            "web-ui-port", "Flink web UI on localhost",
            "work-dir", "where the broker and database keep their data");

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        if (options == null) {
            printUsage();
            return;
        }
        int events = Integer.parseInt(options.get("events"));
        Duration window = TimeUtils.parseDuration(options.get("window-size"));
        Duration duration = TimeUtils.parseDuration(options.get("duration"));
        int parallelism = Integer.parseInt(options.get("parallelism"));
        int windows = (int) Math.max(2, duration.toMillis() / window.toMillis());
        VisitTraffic.Settings traffic = new VisitTraffic.Settings(
                System.currentTimeMillis(), events, Integer.parseInt(options.get("users")),
                windows, window, VisitTraffic.Settings.alignedStart(window), Duration.ofSeconds(2),
                10, 3);
        Duration checkpointInterval = TimeUtils.parseDuration(options.get("checkpoint-interval"));
        // Half-way through producing: the checkpoint that completes about then.
        int halfWayCheckpoint =
                (int) Math.max(1, duration.toMillis() / 2 / checkpointInterval.toMillis());
        VerifiedRun.Plan plan = new VerifiedRun.Plan(
                "local_" + Instant.now().getEpochSecond(), parallelism, traffic,
                (int) Math.max(10, events * 1000L / duration.toMillis()), checkpointInterval,
                options.get("failure").equals("on") ? halfWayCheckpoint : 0, Map.of());

        say("starting Kafka, MariaDB and the schema registry in " + options.get("work-dir"));
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(Path.of(options.get("work-dir")))) {
            Configuration flink = new Configuration();
            flink.set(RestOptions.PORT, Integer.parseInt(options.get("web-ui-port")));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            String webUi = "http://localhost:" + options.get("web-ui-port");
            say("Flink web UI: " + webUi);
            ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
            reporter.scheduleAtFixedRate(
                    () -> say(progress(webUi, infrastructure, plan.name())), 3, 3, TimeUnit.SECONDS);
            Verdict.Report report;
            try {
                report = VerifiedRun.run(env, plan, infrastructure, LocalRun::say);
            } finally {
                reporter.shutdownNow();
            }
            if (plan.failAfterCheckpoint() > 0) {
                say("injected failures: " + FailOnceAfterCheckpoint.FAILURES.get()
                        + " (the job recovered from its last checkpoint)");
            }
            System.out.println();
            System.out.println(report.table());
            if (!report.exactlyOnce()) {
                System.exit(1);
            }
        }
        // Flink's and Kafka's client threads are not all daemons.
        System.exit(0);
    }

    /** Checkpoints completed (from Flink's REST API) and windows committed to the table. */
    private static String progress(String webUi, EmbeddedInfrastructure infrastructure, String db) {
        String checkpoints = "?";
        try {
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            JsonNode jobs = json.readTree(get(http, webUi + "/jobs/overview")).path("jobs");
            for (JsonNode job : jobs) {
                if (job.path("state").asText().equals("RUNNING")) {
                    checkpoints = json.readTree(get(http,
                                    webUi + "/jobs/" + job.path("jid").asText() + "/checkpoints"))
                            .path("counts").path("completed").asText();
                }
            }
        } catch (Exception e) {
            checkpoints = "unknown (" + e.getClass().getSimpleName() + ")";
        }
        String windows;
        try (Connection connection = infrastructure.mariaDb().connect(db);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT COUNT(*) FROM " + VisitCountTable.TABLE)) {
            rows.next();
            windows = Long.toString(rows.getLong(1));
        } catch (Exception e) {
            windows = "?";
        }
        return "checkpoints completed: " + checkpoints + ", windows committed to MySQL: " + windows;
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Null when help was asked for. */
    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            String key = arg.startsWith("--") ? arg.substring(2) : "";
            if (!DEFAULTS.containsKey(key) || i + 1 >= args.length) {
                System.err.println("unknown option or missing value: " + arg);
                printUsage();
                System.exit(2);
            }
            options.put(key, args[++i]);
        }
        return options;
    }

    private static void printUsage() {
        System.out.println("Runs the visit-count job locally and verifies exactly-once.");
        System.out.println("Usage: ./local-run [--option value ...]");
        for (Entry<String, String> option : DEFAULTS.entrySet()) {
            System.out.printf("  --%-20s %s [%s]%n", option.getKey(), HELP.get(option.getKey()),
                    option.getValue());
        }
    }

    private static void say(String message) {
        System.out.println("[local-run " + java.time.LocalTime.now().withNano(0) + "] " + message);
    }
}

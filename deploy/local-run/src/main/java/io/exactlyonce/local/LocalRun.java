package io.exactlyonce.local;

import static org.apache.flink.configuration.ConfigOptions.key;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exactlyonce.pipeline.config.CommandLineOptions;
import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.faults.FailOnceAfterCheckpoint;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job on this machine with nothing but a JDK: an embedded Kafka broker, MariaDB and schema
 * registry, a Flink MiniCluster with its web UI, seeded traffic with a known answer, a failure
 * half-way, and at the end a table of expected versus committed in each sink. Exits 1 if
 * exactly-once did not hold.
 */
public final class LocalRun {

    static final ConfigOption<Integer> EVENTS =
            key("events")
                    .intType()
                    .defaultValue(20000)
                    .withDescription("valid visit events to generate");
    static final ConfigOption<Integer> USERS =
            key("users").intType().defaultValue(50).withDescription("distinct users");
    static final ConfigOption<Duration> WINDOW_SIZE =
            key("window-size")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("tumbling event-time window");
    static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("exactly-once checkpoint interval");
    static final ConfigOption<Duration> DURATION =
            key("duration")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("how long producing the events takes");
    static final ConfigOption<Failure> FAILURE =
            key("failure")
                    .enumType(Failure.class)
                    .defaultValue(Failure.ON)
                    .withDescription("on: fail the job once half-way and recover; off: no failure");
    static final ConfigOption<Integer> PARALLELISM =
            key("parallelism").intType().defaultValue(2).withDescription("job parallelism");
    static final ConfigOption<Integer> WEB_UI_PORT =
            key("web-ui-port")
                    .intType()
                    .defaultValue(8081)
                    .withDescription("Flink web UI on localhost");
    static final ConfigOption<String> WORK_DIR =
            key("work-dir")
                    .stringType()
                    .defaultValue("target/local-run")
                    .withDescription("where the broker and database keep their data");

    static final CommandLineOptions COMMAND_LINE =
            new CommandLineOptions(
                    "Runs the visit-count job locally and verifies exactly-once.\n"
                            + "Usage: ./local-run [--option value ...]",
                    List.of(
                            EVENTS,
                            USERS,
                            WINDOW_SIZE,
                            CHECKPOINT_INTERVAL,
                            DURATION,
                            FAILURE,
                            PARALLELISM,
                            WEB_UI_PORT,
                            WORK_DIR),
                    Set.of(),
                    null);

    /** Whether the run injects a failure; spelled {@code on} and {@code off}. */
    enum Failure {
        ON,
        OFF;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        if (CommandLineOptions.asksForHelp(args)) {
            System.out.print(COMMAND_LINE.usage());
            return;
        }
        OptionValues options;
        try {
            options = parse(args);
        } catch (InvalidJobConfigException e) {
            System.err.println("local-run: " + e.getMessage());
            System.exit(2);
            return;
        }
        int events = options.get(EVENTS);
        Duration window = options.get(WINDOW_SIZE);
        Duration duration = options.get(DURATION);
        int parallelism = options.get(PARALLELISM);
        int windows = (int) Math.max(2, duration.toMillis() / window.toMillis());
        VisitTraffic.Settings traffic =
                new VisitTraffic.Settings(
                        System.currentTimeMillis(),
                        events,
                        options.get(USERS),
                        windows,
                        window,
                        VisitTraffic.Settings.alignedStart(window),
                        Duration.ofSeconds(2),
                        10,
                        3);
        Duration checkpointInterval = options.get(CHECKPOINT_INTERVAL);
        // Half-way through producing: the checkpoint that completes about then.
        int halfWayCheckpoint =
                (int) Math.max(1, duration.toMillis() / 2 / checkpointInterval.toMillis());
        VerifiedRun.Plan plan =
                new VerifiedRun.Plan(
                        "local_" + Instant.now().getEpochSecond(),
                        parallelism,
                        traffic,
                        (int) Math.max(10, events * 1000L / duration.toMillis()),
                        checkpointInterval,
                        options.get(FAILURE) == Failure.ON ? halfWayCheckpoint : 0,
                        OptionValues.of());

        say("starting Kafka, MariaDB and the schema registry in " + options.get(WORK_DIR));
        try (EmbeddedInfrastructure infrastructure =
                EmbeddedInfrastructure.start(Path.of(options.get(WORK_DIR)))) {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
                            webUi(options.get(WEB_UI_PORT)));
            String webUi = "http://127.0.0.1:" + options.get(WEB_UI_PORT);
            say("Flink web UI: " + webUi);
            ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
            reporter.scheduleAtFixedRate(
                    () -> say(progress(webUi, infrastructure, plan.name())),
                    3,
                    3,
                    TimeUnit.SECONDS);
            Verdict.Report report;
            try {
                report = VerifiedRun.run(env, plan, infrastructure, LocalRun::say);
            } finally {
                reporter.shutdownNow();
            }
            if (plan.failAfterCheckpoint() > 0) {
                say(
                        "injected failures: "
                                + FailOnceAfterCheckpoint.FAILURES.get()
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

    /**
     * The MiniCluster's REST endpoint and web UI: on loopback only, and without jar upload, which
     * would let anyone who reaches it run code in this JVM.
     */
    static Configuration webUi(int port) {
        Configuration flink = new Configuration();
        flink.set(RestOptions.PORT, port);
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        flink.set(WebOptions.SUBMIT_ENABLE, false);
        return flink;
    }

    /** The run's options; a bad one is an {@link InvalidJobConfigException} of one line. */
    static OptionValues parse(String[] args) {
        OptionValues options = COMMAND_LINE.parse(args);
        for (ConfigOption<Duration> positive :
                List.of(WINDOW_SIZE, CHECKPOINT_INTERVAL, DURATION)) {
            if (options.get(positive).isZero() || options.get(positive).isNegative()) {
                throw new InvalidJobConfigException("--" + positive.key() + " must be positive");
            }
        }
        for (ConfigOption<Integer> atLeastOne : List.of(EVENTS, USERS, PARALLELISM)) {
            if (options.get(atLeastOne) < 1) {
                throw new InvalidJobConfigException(
                        "--" + atLeastOne.key() + " must be at least 1");
            }
        }
        return options;
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
                    checkpoints =
                            json.readTree(
                                            get(
                                                    http,
                                                    webUi
                                                            + "/jobs/"
                                                            + job.path("jid").asText()
                                                            + "/checkpoints"))
                                    .path("counts")
                                    .path("completed")
                                    .asText();
                }
            }
        } catch (Exception e) {
            checkpoints = "unknown (" + e.getClass().getSimpleName() + ")";
        }
        String windows;
        try (Connection connection = infrastructure.mariaDb().connect(db);
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT COUNT(*) FROM " + VisitCountTable.TABLE)) {
            rows.next();
            windows = Long.toString(rows.getLong(1));
        } catch (Exception e) {
            windows = "?";
        }
        return "checkpoints completed: " + checkpoints + ", windows committed to MySQL: " + windows;
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void say(String message) {
        System.out.println("[local-run " + java.time.LocalTime.now().withNano(0) + "] " + message);
    }
}

package io.exactlyonce.it.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.audit.Audit;
import io.exactlyonce.audit.AuditOptions;
import io.exactlyonce.audit.AuditRange;
import io.exactlyonce.audit.AuditReport;
import io.exactlyonce.audit.ServiceUnreachableException;
import io.exactlyonce.it.EmbeddedServices;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.CommittedRecords;
import io.exactlyonce.testkit.verify.Expectation;
import io.exactlyonce.testkit.verify.KeyWindow;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.Observer;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.Verdict.Finding;
import io.exactlyonce.testkit.verify.Verdict.Flaw;
import io.exactlyonce.testkit.verify.VisitCountResults;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit against the real job's output: after a clean run on a MiniCluster it reports the range
 * exact; after the test damaged the committed output in both sinks it pinpoints exactly the damaged
 * windows; a prepared XA transaction and an open Kafka transaction with the job's prefixes are
 * reported as left behind. The tests run in order on one run's output, each adding damage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditITCase {

    private static final int PARALLELISM = 2;
    private static final Duration WINDOW = Duration.ofSeconds(1);

    @RegisterExtension
    static final MiniClusterExtension FLINK = EmbeddedServices.miniCluster(PARALLELISM);

    private static final EmbeddedInfrastructure SERVICES = EmbeddedServices.get();

    /** Filled by the first test: the clean run's plan, settings and verdict. */
    private static VerifiedRun.Plan plan;

    private static JobSettings job;
    private static Verdict.Report run;

    /** The windows the run's traffic covers, and its late visits' window half an hour before. */
    private static AuditRange range() {
        VisitTraffic.Settings traffic = plan.traffic();
        Instant start = traffic.start();
        return AuditRange.of(
                start.minus(Duration.ofMinutes(30)),
                start.plus(WINDOW.multipliedBy(traffic.windows())),
                job,
                Instant.now());
    }

    /** Nothing is open after the drained run, so nothing needs a grace period. */
    private static final AuditOptions.Limits NO_GRACE =
            AuditOptions.Limits.DEFAULT.withLeftOpenAfter(Duration.ZERO);

    private static AuditReport audit(AuditOptions.Limits limits) {
        AuditReport report = Audit.run(job, range(), limits, null);
        System.out.print(report.text());
        return report;
    }

    @Test
    @Order(1)
    void aCleanRunOfTheJobAuditsExact() throws Exception {
        plan =
                new VerifiedRun.Plan(
                        EmbeddedServices.uniqueName("audit"),
                        PARALLELISM,
                        VisitTraffic.Settings.forTest(11L, 2_000, WINDOW).withWindows(10),
                        400,
                        Duration.ofSeconds(2),
                        0,
                        OptionValues.of());
        run =
                VerifiedRun.run(
                        StreamExecutionEnvironment.getExecutionEnvironment(),
                        plan,
                        SERVICES,
                        System.out::println);
        assertThat(run.problems()).as(run.table()).isEmpty();
        // The addresses this JVM reaches, as a container test passes them (here the same).
        job = VerifiedRun.config(plan, SERVICES, SERVICES);

        AuditReport report = audit(NO_GRACE);

        assertThat(report.exitCode()).as(report.text()).isZero();
        assertThat(report.exact()).isTrue();
        // The range holds the whole run: the audit's recomputation from the topic agrees with the
        // oracle the generator planned, window by window and record by record.
        // A rejected record belongs to the range by its own timestamp, which the generator takes
        // from its neighbour: one near the end lies past the last window.
        AuditRange range = range();
        long rejectsInRange =
                new VisitTraffic(plan.traffic())
                        .plan(serializer(), job.inputTopic()).stream()
                                .filter(r -> r.expectation() instanceof Expectation.Rejected)
                                .filter(r -> range.containsTimestamp(r.timestamp()))
                                .count();
        assertThat(report.verdict().validEvents()).isEqualTo(run.validEvents());
        assertThat(report.verdict().lateEvents()).isEqualTo(run.lateEvents()).isPositive();
        assertThat(report.verdict().deadLetters()).isEqualTo(rejectsInRange).isPositive();
        assertThat(report.verdict().inputRecords()).isEqualTo(run.validEvents() + rejectsInRange);
        assertThat(report.verdict().sinks())
                .extracting(Verdict.SinkResult::expectedWindows)
                .containsExactly(
                        run.sinks().get(0).expectedWindows(), run.sinks().get(1).expectedWindows());
        assertThat(report.text()).contains("AUDIT: exact (exit 0)");
    }

    @Test
    @Order(2)
    void damagedOutputIsPinpointedWindowByWindow() throws Exception {
        List<CommittedValue> rows;
        try (Connection connection = database();
                Statement statement = connection.createStatement()) {
            rows =
                    Observer.tableRows(
                            connection,
                            new VisitCountResults(SERVICES.registryUrl()).selectRows()
                                    + " ORDER BY window_start, user_id");
            assertThat(rows).hasSizeGreaterThan(3);
            CommittedValue deleted = rows.get(0);
            CommittedValue changed = rows.get(rows.size() / 2);
            statement.executeUpdate(
                    "DELETE FROM visit_counts WHERE user_id = '"
                            + deleted.key()
                            + "' AND window_start = "
                            + deleted.windowStart());
            statement.executeUpdate(
                    "UPDATE visit_counts SET visit_count = visit_count + 1 WHERE user_id = '"
                            + changed.key()
                            + "' AND window_start = "
                            + changed.windowStart());
        }
        CommittedValue deleted = rows.get(0);
        CommittedValue changed = rows.get(rows.size() / 2);
        CommittedValue duplicated = rows.get(rows.size() - 1);
        writeAgainInACommittedTransaction(duplicated);

        AuditReport report = audit(NO_GRACE);

        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.findings("mysql"))
                .containsExactly(
                        new Finding(window(deleted), Flaw.MISSING, deleted.value(), List.of()),
                        new Finding(
                                window(changed),
                                Flaw.WRONG,
                                changed.value(),
                                List.of(changed.value() + 1)));
        assertThat(report.findings("kafka"))
                .containsExactly(
                        new Finding(
                                window(duplicated),
                                Flaw.DUPLICATE,
                                duplicated.value(),
                                List.of(duplicated.value(), duplicated.value())));
        assertThat(report.text())
                .contains("AUDIT: violations found (exit 1)")
                .contains(deleted.key())
                .contains(Instant.ofEpochMilli(deleted.windowStart()).toString());
    }

    @Test
    @Order(3)
    void transactionsLeftPreparedOrOpenWithTheJobsPrefixesAreReported() throws Exception {
        String transactionalId = job.countsToKafka().transactionalIdPrefix() + "-0-4242";
        SinkXid xid = new SinkXid(job.countsToDatabase().xidPrefix(), 0, 4242, 0);
        String scratch = plan.name() + "-scratch";
        SERVICES.createTopic(scratch, 1, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = producer(transactionalId);
                Connection connection = database();
                Statement statement = connection.createStatement()) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(scratch, new byte[] {1})).get();

            // A live job always holds a transaction open: a young one is no finding.
            assertThat(audit(AuditOptions.Limits.DEFAULT).verdict().problems())
                    .noneMatch(p -> p.contains("left open"));

            statement.execute("CREATE TABLE audit_probe (id INT)");
            String id = "'" + xid + "','0'," + xid.getFormatId();
            statement.execute("XA START " + id);
            statement.execute("INSERT INTO audit_probe VALUES (1)");
            statement.execute("XA END " + id);
            statement.execute("XA PREPARE " + id);
            try {
                AuditReport report = audit(NO_GRACE);

                assertThat(report.exitCode()).isEqualTo(1);
                assertThat(report.verdict().problems())
                        .contains("XA transaction left prepared: " + xid)
                        .anyMatch(
                                p ->
                                        p.startsWith(
                                                "Kafka transaction left open: "
                                                        + transactionalId
                                                        + " (Ongoing"));
            } finally {
                statement.execute("XA ROLLBACK " + id);
                producer.abortTransaction();
            }
        }
    }

    @Test
    @Order(4)
    void anUnreachableDatabaseIsNamed() throws IOException {
        String nowhere;
        try (ServerSocket closed = new ServerSocket(0)) {
            nowhere = "jdbc:mysql://127.0.0.1:" + closed.getLocalPort() + "/visits";
        }
        JobSettings elsewhere =
                JobSettings.of(job.options().with(JobOptions.JDBC_URL, nowhere), "");

        assertThatThrownBy(() -> Audit.run(elsewhere, range(), NO_GRACE, null))
                .isInstanceOf(ServiceUnreachableException.class)
                .hasMessageStartingWith("cannot read the database at " + nowhere);
    }

    @Test
    @Order(5)
    void theCommandPrintsTheReportAndAProgressBarAndExitsOne() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AuditRange range = range();
        List<String> args = new java.util.ArrayList<>(job.toArguments());
        args.addAll(
                List.of(
                        "--from",
                        range.from().toString(),
                        "--to",
                        range.to().toString(),
                        "--left-open-after",
                        "0 s",
                        "--progress"));

        int exit =
                Audit.execute(
                        args.toArray(String[]::new),
                        Map.of(JobSettings.PASSWORD_ENVIRONMENT_VARIABLE, SERVICES.jdbcPassword()),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("AUDIT: violations found (exit 1)")
                .doesNotContain("\r");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("\r" + job.inputTopic())
                .contains("100% ");
    }

    private static ConfluentAvroSerializer<UserVisitEvent> serializer() {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(VisitTraffic.serdeConfig(SERVICES.registryUrl()), false);
        return serializer;
    }

    private static KeyWindow window(CommittedValue value) {
        return new KeyWindow(value.key(), value.windowStart());
    }

    private static Connection database() throws Exception {
        return DriverManager.getConnection(
                SERVICES.jdbcUrl(plan.name()), SERVICES.jdbcUser(), SERVICES.jdbcPassword());
    }

    /** The committed count of {@code value}'s window, written to the counts topic once more. */
    private static void writeAgainInACommittedTransaction(CommittedValue value) throws Exception {
        VisitCountResults format = new VisitCountResults(SERVICES.registryUrl());
        ConsumerRecord<byte[], byte[]> original =
                CommittedRecords.readAll(
                                SERVICES.bootstrapServers(),
                                job.countsToKafka().topic(),
                                Duration.ofSeconds(30))
                        .stream()
                        .filter(r -> window(format.fromKafka(r)).equals(window(value)))
                        .findFirst()
                        .orElseThrow();
        try (KafkaProducer<byte[], byte[]> producer = producer(plan.name() + "-duplicator")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(
                    new ProducerRecord<>(
                            original.topic(),
                            original.partition(),
                            original.timestamp(),
                            original.key(),
                            original.value()));
            producer.commitTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Properties properties = new Properties();
        properties.putAll(SERVICES.kafkaSecurity());
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SERVICES.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(properties);
    }
}

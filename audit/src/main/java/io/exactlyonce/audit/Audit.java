package io.exactlyonce.audit;

import io.exactlyonce.model.registry.SchemaRegistryException;
import io.exactlyonce.pipeline.config.CommandLineOptions;
import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.sinks.kafka.ForwardedRecordHeaders;
import io.exactlyonce.testkit.verify.CommittedRecords;
import io.exactlyonce.testkit.verify.Observations;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.Observations.SideRecord;
import io.exactlyonce.testkit.verify.Observer;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitCountResults;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.transaction.xa.XAException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Audits a live deployment of the visit-count job for a closed event-time range: recomputes the
 * range's counts from the input topic with the job's own decoder, windows and bounds, reads what
 * the counts topic and the table committed and what the late and dead-letter topics hold, and
 * reports every window that is missing, duplicate, wrong or unexpected, input that was lost on the
 * way to a side topic, and transactions left prepared or open.
 *
 * <p>{@link #execute} is the command (exit codes in {@link AuditReport}); {@link #run} is the same
 * audit for a caller that already holds the job's settings, such as a test.
 */
public final class Audit {

    private Audit() {}

    public static void main(String[] args) {
        System.exit(execute(args, System.getenv(), System.out, System.err));
    }

    /**
     * The command: the report on {@code out}, a progress bar and any one-line refusal on {@code
     * err}.
     *
     * @return 0 exact, 1 violations found, 2 a bad option, 3 a service cannot be reached
     */
    public static int execute(
            String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        if (CommandLineOptions.asksForHelp(args)) {
            out.print(AuditOptions.usage());
            return AuditReport.EXACT;
        }
        AuditOptions.Parsed parsed;
        try {
            parsed = AuditOptions.parse(args, environment, Instant.now());
        } catch (InvalidJobConfigException e) {
            err.println("audit: " + oneLine(e.getMessage()));
            return AuditReport.USAGE;
        }
        // Only a terminal gets a bar by default; cron's mail would fill with carriage returns.
        boolean progress = parsed.limits().progress().orElse(System.console() != null);
        try {
            AuditReport report =
                    run(parsed.job(), parsed.range(), parsed.limits(), progress ? err : null);
            out.print(report.text());
            out.flush();
            return report.exitCode();
        } catch (ServiceUnreachableException e) {
            err.println("audit: " + oneLine(e.getMessage()));
            return AuditReport.UNREACHABLE;
        }
    }

    /** The audit with default limits; {@code progress} gets a progress bar, or null for none. */
    public static AuditReport run(JobSettings job, AuditRange range, PrintStream progress) {
        return run(job, range, AuditOptions.Limits.DEFAULT, progress);
    }

    /**
     * The audit of {@code range} of the deployment {@code job} describes. The settings carry the
     * database password, as {@link JobSettings#of} read it.
     *
     * @param progress where a progress bar goes, or null for none
     * @throws ServiceUnreachableException naming the broker, registry or database that failed
     */
    public static AuditReport run(
            JobSettings job, AuditRange range, AuditOptions.Limits limits, PrintStream progress) {
        long startedNanos = System.nanoTime();
        Duration timeout = limits.timeout();
        Duration leftOpenAfter = limits.leftOpenAfter(job);
        ProgressBar bar = progress == null ? null : new ProgressBar(progress);
        CommittedRecords.Progress reading = bar == null ? CommittedRecords.Progress.NONE : bar;

        RangeInput input =
                kafka(job, job.inputTopic(), () -> RangeInput.read(job, range, timeout, reading));
        // Prepared transactions seen now and still there later are left behind: see LeftBehind.
        Set<String> preparedAtStart = database(job, () -> LeftBehind.preparedXids(job));
        VisitCountResults format = new VisitCountResults(job.schemaRegistryUrl());
        List<CommittedValue> counts = new ArrayList<>();
        String countsTopic = job.countsToKafka().topic();
        kafka(
                job,
                countsTopic,
                () -> {
                    // A count is stamped with its window's end: none of the range's is earlier.
                    CommittedRecords.forEach(
                            job.bootstrapServers(),
                            job.kafkaSecurity().settings(),
                            countsTopic,
                            range.from().toEpochMilli(),
                            timeout,
                            reading,
                            record -> {
                                CommittedValue value = format.fromKafka(record);
                                if (range.containsWindow(value.windowStart())) {
                                    counts.add(value);
                                }
                            });
                    return null;
                });
        List<SideRecord> late =
                sideRecords(job, job.lateVisits().topic(), range, input, timeout, reading);
        List<SideRecord> deadLetters =
                sideRecords(job, job.deadLetters().topic(), range, input, timeout, reading);
        if (bar != null) {
            bar.finish();
        }
        List<CommittedValue> rows =
                database(
                        job,
                        () -> {
                            try (Connection connection =
                                    job.countsToDatabase().openReadConnection()) {
                                return Observer.tableRows(
                                        connection,
                                        format.selectRows(
                                                range.from().toEpochMilli(),
                                                range.to().toEpochMilli()));
                            }
                        });
        List<String> prepared =
                database(
                        job,
                        () ->
                                LeftBehind.stillPrepared(
                                        job, preparedAtStart, startedNanos, leftOpenAfter));
        List<String> open =
                kafka(job, "transactions", () -> LeftBehind.openTransactions(job, leftOpenAfter));

        Verdict.Report verdict =
                Verdict.judge(
                        input.records(),
                        input.judged(),
                        job.windowSize(),
                        job.outOfOrderness(),
                        // Outside a test, nobody knows whether a partition went idle.
                        Verdict.ReadOrder.PARTITIONS_MAY_IDLE,
                        new Observations(counts, rows, late, deadLetters, prepared, open));
        return new AuditReport(
                job.jobId(),
                range,
                input.records().size(),
                verdict,
                notes(job, range, input),
                limits.windowsListed());
    }

    private static List<String> notes(JobSettings job, AuditRange range, RangeInput input) {
        List<String> notes = new ArrayList<>();
        Instant fires = range.to().plus(job.outOfOrderness());
        if (input.newestEventTime() < fires.toEpochMilli()) {
            notes.add(
                    "no visit read reaches "
                            + fires
                            + " (to + watermark.out-of-orderness): the job fires the range's last"
                            + " windows only once later visits arrive, or when it is drained");
        }
        if (input.untimed() > 0) {
            notes.add(
                    input.untimed()
                            + " input records read have no usable timestamp: the job dead-letters"
                            + " them, and no range holds them, so this audit does not check them");
        }
        return notes;
    }

    /** The records of a side topic that name input of the range's read. */
    private static List<SideRecord> sideRecords(
            JobSettings job,
            String topic,
            AuditRange range,
            RangeInput input,
            Duration timeout,
            CommittedRecords.Progress progress) {
        List<SideRecord> records = new ArrayList<>();
        kafka(
                job,
                topic,
                () -> {
                    // Late visits are stamped with their event time, dead letters with their
                    // input record's timestamp: neither of the range's is earlier than this.
                    CommittedRecords.forEach(
                            job.bootstrapServers(),
                            job.kafkaSecurity().settings(),
                            topic,
                            RangeInput.readFrom(job, range),
                            timeout,
                            progress,
                            record -> {
                                if (namesInput(job, record)) {
                                    SideRecord side = Observer.sideRecord(record);
                                    if (input.wasRead(
                                            side.sourcePartition(), side.sourceOffset())) {
                                        records.add(side);
                                    }
                                }
                            });
                    return null;
                });
        return records;
    }

    private static boolean namesInput(JobSettings job, ConsumerRecord<byte[], byte[]> record) {
        return job.inputTopic()
                .equals(CommittedRecords.header(record, ForwardedRecordHeaders.SOURCE_TOPIC));
    }

    private static <T> T kafka(JobSettings job, String what, Callable<T> read) {
        try {
            return read.call();
        } catch (Exception e) {
            SchemaRegistryException registry = causeOf(e, SchemaRegistryException.class);
            if (registry != null) {
                throw new ServiceUnreachableException(
                        "cannot reach the schema registry at "
                                + job.schemaRegistryUrl()
                                + ": "
                                + registry.getMessage(),
                        e);
            }
            if (e instanceof KafkaException
                    || e instanceof IllegalStateException
                    || causeOf(e, KafkaException.class) != null) {
                throw new ServiceUnreachableException(
                        "cannot read "
                                + what
                                + " from the Kafka brokers at "
                                + job.bootstrapServers()
                                + ": "
                                + e.getMessage(),
                        e);
            }
            throw unexpected(e);
        }
    }

    private static <T> T database(JobSettings job, Callable<T> read) {
        try {
            return read.call();
        } catch (SQLException | XAException e) {
            throw new ServiceUnreachableException(
                    "cannot read the database at "
                            + job.countsToDatabase().jdbcUrl()
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (Exception e) {
            throw unexpected(e);
        }
    }

    private static RuntimeException unexpected(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }

    private static <E extends Throwable> E causeOf(Throwable e, Class<E> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ");
    }
}

package io.exactlyonce.testkit.verify;

import io.exactlyonce.sinks.kafka.ForwardedRecordHeaders;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.Observations.SideRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads back everything a job's sinks committed, the way their consumers would see it: the output
 * topic and table through the job's {@link ResultFormat}, the late and dead-letter topics by their
 * {@link ForwardedRecordHeaders}, and what is still prepared or open.
 */
public final class Observer {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** Where the job wrote; {@code registryUrl} is only read by the visit job's format. */
    public record Targets(
            String bootstrapServers,
            String registryUrl,
            String outputTopic,
            String lateTopic,
            String deadLetterTopic,
            String jdbcUrl,
            String jdbcUser,
            String jdbcPassword,
            Map<String, String> kafkaSecurity) {

        /** Targets on a plaintext broker. */
        public Targets(
                String bootstrapServers,
                String registryUrl,
                String outputTopic,
                String lateTopic,
                String deadLetterTopic,
                String jdbcUrl,
                String jdbcUser,
                String jdbcPassword) {
            this(
                    bootstrapServers,
                    registryUrl,
                    outputTopic,
                    lateTopic,
                    deadLetterTopic,
                    jdbcUrl,
                    jdbcUser,
                    jdbcPassword,
                    Map.of());
        }
    }

    private Observer() {}

    /** What the visit job committed. */
    public static Observations observe(Targets targets) throws Exception {
        return observe(targets, new VisitCountResults(targets.registryUrl()));
    }

    /** What a job whose results read back through {@code format} committed. */
    public static Observations observe(Targets targets, ResultFormat format) throws Exception {
        try (Connection connection =
                DriverManager.getConnection(
                        targets.jdbcUrl(), targets.jdbcUser(), targets.jdbcPassword())) {
            return new Observations(
                    kafkaRecords(targets, format),
                    tableRows(connection, format),
                    sideRecords(targets, targets.lateTopic()),
                    sideRecords(targets, targets.deadLetterTopic()),
                    preparedXa(connection),
                    CommittedRecords.unfinishedTransactions(
                            targets.bootstrapServers(), targets.kafkaSecurity()));
        }
    }

    private static List<CommittedValue> kafkaRecords(Targets targets, ResultFormat format) {
        List<CommittedValue> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record :
                CommittedRecords.readAll(
                        targets.bootstrapServers(),
                        targets.kafkaSecurity(),
                        targets.outputTopic(),
                        READ_TIMEOUT)) {
            values.add(format.fromKafka(record));
        }
        return values;
    }

    private static List<SideRecord> sideRecords(Targets targets, String topic) {
        List<SideRecord> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record :
                CommittedRecords.readAll(
                        targets.bootstrapServers(), targets.kafkaSecurity(), topic, READ_TIMEOUT)) {
            records.add(sideRecord(record));
        }
        return records;
    }

    /** A record of the late or dead-letter topic, by its {@link ForwardedRecordHeaders}. */
    public static SideRecord sideRecord(ConsumerRecord<byte[], byte[]> record) {
        return new SideRecord(
                CommittedRecords.header(record, ForwardedRecordHeaders.EVENT_ID),
                CommittedRecords.header(record, ForwardedRecordHeaders.REASON),
                Integer.parseInt(
                        CommittedRecords.header(record, ForwardedRecordHeaders.SOURCE_PARTITION)),
                Long.parseLong(
                        CommittedRecords.header(record, ForwardedRecordHeaders.SOURCE_OFFSET)));
    }

    private static List<CommittedValue> tableRows(Connection connection, ResultFormat format)
            throws SQLException {
        return tableRows(connection, format.selectRows());
    }

    /**
     * The rows {@code query} selects, with the four columns {@link ResultFormat#selectRows()}
     * names.
     */
    public static List<CommittedValue> tableRows(Connection connection, String query)
            throws SQLException {
        List<CommittedValue> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            while (result.next()) {
                rows.add(
                        new CommittedValue(
                                result.getString(1),
                                result.getLong(2),
                                result.getLong(3),
                                result.getInt(4)));
            }
        }
        return rows;
    }

    private static List<String> preparedXa(Connection connection) throws SQLException {
        List<String> prepared = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("XA RECOVER")) {
            while (result.next()) {
                prepared.add(result.getString("data"));
            }
        }
        return prepared;
    }
}

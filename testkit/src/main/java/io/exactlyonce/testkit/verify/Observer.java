package io.exactlyonce.testkit.verify;

import io.exactlyonce.testkit.verify.Observations.CommittedCount;
import io.exactlyonce.testkit.verify.Observations.SideRecord;
import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.pipeline.connect.SideTopicHeaders;
import io.exactlyonce.pipeline.connect.VisitCountTable;
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

/** Reads back everything the job's sinks committed, the way their consumers would see it. */
public final class Observer {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** Where the job wrote. */
    public record Targets(
            String bootstrapServers, String registryUrl, String outputTopic, String lateTopic,
            String deadLetterTopic, String jdbcUrl, String jdbcUser, String jdbcPassword,
            Map<String, String> kafkaSecurity) {}

    private Observer() {}

    public static Observations observe(Targets targets) throws Exception {
        try (Connection connection = DriverManager.getConnection(
                targets.jdbcUrl(), targets.jdbcUser(), targets.jdbcPassword())) {
            return new Observations(
                    kafkaCounts(targets),
                    tableRows(connection),
                    sideRecords(targets, targets.lateTopic()),
                    sideRecords(targets, targets.deadLetterTopic()),
                    preparedXa(connection),
                    CommittedRecords.unfinishedTransactions(
                            targets.bootstrapServers(), targets.kafkaSecurity()));
        }
    }

    private static List<CommittedCount> kafkaCounts(Targets targets) {
        ConfluentAvroDeserializer<UserVisitCount> deserializer =
                new ConfluentAvroDeserializer<>(UserVisitCount.class);
        deserializer.configure(VisitTraffic.serdeConfig(targets.registryUrl()), false);
        List<CommittedCount> counts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : CommittedRecords.readAll(
                targets.bootstrapServers(), targets.kafkaSecurity(), targets.outputTopic(),
                READ_TIMEOUT)) {
            UserVisitCount count = deserializer.deserialize(record.topic(), record.value());
            counts.add(new CommittedCount(count.getUserId(),
                    count.getWindowStart().toEpochMilli(), count.getVisitCount(), 1));
        }
        return counts;
    }

    private static List<SideRecord> sideRecords(Targets targets, String topic) {
        List<SideRecord> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : CommittedRecords.readAll(
                targets.bootstrapServers(), targets.kafkaSecurity(), topic, READ_TIMEOUT)) {
            records.add(new SideRecord(
                    CommittedRecords.header(record, SideTopicHeaders.EVENT_ID),
                    CommittedRecords.header(record, SideTopicHeaders.REASON),
                    Integer.parseInt(CommittedRecords.header(record, SideTopicHeaders.SOURCE_PARTITION)),
                    Long.parseLong(CommittedRecords.header(record, SideTopicHeaders.SOURCE_OFFSET))));
        }
        return records;
    }

    private static List<CommittedCount> tableRows(Connection connection) throws SQLException {
        List<CommittedCount> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT user_id, window_start, visit_count, write_count FROM "
                                + VisitCountTable.TABLE)) {
            while (result.next()) {
                rows.add(new CommittedCount(result.getString(1), result.getLong(2),
                        result.getLong(3), result.getInt(4)));
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

package io.exactlyonce.bench;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.verify.CommittedRecords;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Checks a run's output against the scenario's oracle, so a fast wrong run is caught: exactly one
 * result per (user, window) that had visits, each with the count the input holds, and so counts
 * that sum to the input. Results of the flush users are left out; a system may or may not emit
 * them.
 */
final class OutputCheck {

    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);
    private static final int PROBLEMS_SHOWN = 5;

    private final Oracle oracle;
    private final String where;
    private final BitSet seen;
    private final List<String> problems = new ArrayList<>();
    private long problemCount;
    private long sum;

    OutputCheck(Oracle oracle, String where) {
        this.oracle = oracle;
        this.where = where;
        this.seen = new BitSet(oracle.cells());
    }

    /** What a read_committed consumer of the output topic sees. */
    static List<String> topic(
            Oracle oracle, String bootstrapServers, String registryUrl, String topic) {
        ConfluentAvroDeserializer<UserVisitCount> deserializer =
                new ConfluentAvroDeserializer<>(UserVisitCount.class);
        deserializer.configure(Map.of("schema.registry.url", registryUrl), false);
        OutputCheck check = new OutputCheck(oracle, "topic " + topic);
        for (ConsumerRecord<byte[], byte[]> record :
                CommittedRecords.readAll(bootstrapServers, topic, READ_TIMEOUT)) {
            UserVisitCount count = deserializer.deserialize(record.topic(), record.value());
            check.add(
                    count.getUserId(),
                    count.getWindowStart().toEpochMilli(),
                    count.getWindowEnd().toEpochMilli(),
                    count.getVisitCount());
        }
        return check.finish();
    }

    /** What an SQL reader of the table sees; each row must have been written once. */
    static List<String> table(Oracle oracle, String jdbcUrl) throws Exception {
        OutputCheck check = new OutputCheck(oracle, "table " + VisitCountTable.TABLE);
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "root", "");
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT user_id, window_start, window_end, visit_count, write_count FROM "
                                        + VisitCountTable.TABLE)) {
            while (rows.next()) {
                if (rows.getInt(5) != 1) {
                    check.problem(
                            rows.getString(1)
                                    + " @"
                                    + rows.getLong(2)
                                    + " written "
                                    + rows.getInt(5)
                                    + " times");
                }
                check.add(rows.getString(1), rows.getLong(2), rows.getLong(3), rows.getLong(4));
            }
        }
        return check.finish();
    }

    /** A side topic (late visits, dead letters) that must stay empty: the input has neither. */
    static List<String> empty(String bootstrapServers, String topic) {
        int records = CommittedRecords.readAll(bootstrapServers, topic, READ_TIMEOUT).size();
        return records == 0
                ? List.of()
                : List.of("topic " + topic + " holds " + records + " records, expected none");
    }

    void add(String userId, long windowStart, long windowEnd, long count) {
        if (userId.startsWith(Oracle.FLUSH_USER_PREFIX)) {
            return;
        }
        int user = Oracle.user(userId);
        long offset = windowStart - oracle.firstWindowStart();
        int window = oracle.window(windowStart);
        if (user < 0
                || user >= oracle.scenario().users()
                || offset < 0
                || offset % oracle.windowMillis() != 0
                || window >= oracle.scenario().windows()
                || windowEnd != windowStart + oracle.windowMillis()) {
            problem("unexpected result " + userId + " [" + windowStart + ", " + windowEnd + ")");
            return;
        }
        int cell = oracle.cell(user, window);
        if (seen.get(cell)) {
            problem("second result for " + userId + " window " + window);
        }
        seen.set(cell);
        if (count != oracle.count(cell)) {
            problem(
                    userId
                            + " window "
                            + window
                            + ": count "
                            + count
                            + ", input holds "
                            + oracle.count(cell));
        }
        sum += count;
    }

    private void problem(String message) {
        if (problems.size() < PROBLEMS_SHOWN) {
            problems.add(where + ": " + message);
        }
        problemCount++;
    }

    List<String> finish() {
        int missing = 0;
        for (int cell = 0; cell < oracle.cells(); cell++) {
            if (oracle.count(cell) > 0 && !seen.get(cell)) {
                missing++;
            }
        }
        if (missing > 0) {
            problem(missing + " of " + oracle.results() + " (user, window) results missing");
        }
        if (sum != oracle.scenario().visits()) {
            problem(
                    "counts sum to "
                            + sum
                            + ", the input holds "
                            + oracle.scenario().visits()
                            + " visits");
        }
        if (problemCount > problems.size()) {
            problems.add(where + ": " + (problemCount - problems.size()) + " more problems");
        }
        return problems;
    }
}

package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.jdbc.CommitMarkerTable;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.sinks.jdbc.XaJdbcSink;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job at parallelism 2 fails while its XA sinks hold prepared transactions above the last
 * completed checkpoint (a checkpoint times out after the sinks prepared; the job is not stopped),
 * and is resumed from the retained checkpoint at another parallelism. The new subtasks must settle
 * the old subtasks' transactions ({@code subtask mod parallelism}): every row then holds the right
 * value, written once, and nothing of the sink stays prepared.
 *
 * <p>In-JVM: a MiniCluster with a real MariaDB, not a container scenario.
 */
class RescaleWithPreparedTransactionsITCase {

    private static final int ROWS = 600;
    private static final int FIRST_PARALLELISM = 2;
    private static final long STALLED_CHECKPOINT = 3;

    /** Short, so the writers delete old commit markers during the run. */
    private static final int MARKER_RETENTION = 5;

    @RegisterExtension static final MiniClusterExtension FLINK = EmbeddedServices.miniCluster(3);

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @TempDir Path checkpoints;

    private String database;

    @BeforeEach
    void resetFault() {
        StallCheckpointOnce.reset();
    }

    @AfterEach
    void rollBackWhatAFailedRunLeft() throws Exception {
        if (database != null) {
            try (Connection connection = services.mariaDb().connect(database)) {
                XaRecover.rollBackAll(connection, database);
            }
        }
    }

    @Test
    void resumedAtParallelismOneFromACheckpointWithPreparedTransactionsAbove() throws Exception {
        failThenResumeAt(1);
    }

    @Test
    void resumedAtParallelismThreeFromACheckpointWithPreparedTransactionsAbove() throws Exception {
        failThenResumeAt(3);
    }

    private void failThenResumeAt(int resumedParallelism) throws Exception {
        database = EmbeddedServices.uniqueName("rescale_xa");
        services.mariaDb().createDatabase(database);
        services.mariaDb()
                .execute(
                        database,
                        "CREATE TABLE rows_written (id BIGINT PRIMARY KEY,"
                                + " value BIGINT NOT NULL, write_count INT NOT NULL DEFAULT 1)");
        services.mariaDb()
                .execute(database, CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));

        JobClient failing = run(database, FIRST_PARALLELISM, null);
        assertThatThrownBy(() -> failing.getJobExecutionResult().get(3, TimeUnit.MINUTES))
                .as("the job fails on the timed-out checkpoint, nothing stops it cleanly")
                .isInstanceOf(ExecutionException.class);
        assertThat(StallCheckpointOnce.STALLED).as("the checkpoint was stalled").isTrue();
        Path retained = latestCompletedCheckpoint(failing);
        long restored = Long.parseLong(retained.getFileName().toString().substring(4));
        List<SinkXid> preparedAbove =
                prepared(database).stream().filter(xid -> xid.checkpointId() > restored).toList();
        assertThat(preparedAbove)
                .as("both old subtasks left transactions prepared above checkpoint " + restored)
                .extracting(SinkXid::subtask)
                .contains(0, 1);

        JobClient resumed = run(database, resumedParallelism, retained);
        resumed.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        try (Connection connection = services.mariaDb().connect(database);
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT COUNT(*), SUM(write_count),"
                                        + " SUM(value <> id * 3 + 1) FROM rows_written")) {
            rows.next();
            assertThat(rows.getLong(1)).as("rows").isEqualTo(ROWS);
            assertThat(rows.getLong(2)).as("writes: every row written once").isEqualTo(ROWS);
            assertThat(rows.getLong(3)).as("rows with a wrong value").isZero();
        }
        assertThat(prepared(database)).as("nothing of the sink left prepared").isEmpty();
        try (Connection connection = services.mariaDb().connect(database);
                Statement statement = connection.createStatement();
                ResultSet markers =
                        statement.executeQuery(
                                "SELECT COUNT(*) FROM "
                                        + CommitMarkerTable.DEFAULT_TABLE
                                        + " WHERE checkpoint_id <= (SELECT"
                                        + " MAX(checkpoint_id) FROM "
                                        + CommitMarkerTable.DEFAULT_TABLE
                                        + ") - "
                                        + 2 * MARKER_RETENTION)) {
            markers.next();
            assertThat(markers.getLong(1))
                    .as("old commit markers, the old subtasks' included, were deleted")
                    .isZero();
        }
    }

    private JobClient run(String database, int parallelism, Path restoreFrom) throws Exception {
        Configuration config = new Configuration();
        config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        config.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        if (restoreFrom != null) {
            config.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(parallelism);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofSeconds(2).toMillis());
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
        env.disableOperatorChaining();

        DataStream<Long> ids = RowIds.source(env, ROWS);
        ids.sinkTo(
                        new XaJdbcSink<Long>(
                                JdbcSinkSettings.builder("rows_written")
                                        .jdbcUrl(services.mariaDb().jdbcUrl(database))
                                        .username("root")
                                        .xidPrefix(database)
                                        .commitMarkerRetention(MARKER_RETENTION)
                                        .build(),
                                "INSERT INTO rows_written (id, value) VALUES (?, ?)"
                                        + " ON DUPLICATE KEY UPDATE value = VALUES(value),"
                                        + " write_count = write_count + 1",
                                (statement, id) -> {
                                    statement.setLong(1, id);
                                    statement.setLong(2, id * 3 + 1);
                                }))
                .name("sink-under-test")
                .uid("sink-under-test");
        ids.map(new StallCheckpointOnce<Long>(STALLED_CHECKPOINT))
                .name("stall-checkpoint")
                .uid("stall-checkpoint")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
        return env.executeAsync("xa-rescale-" + parallelism);
    }

    private Path latestCompletedCheckpoint(JobClient job) throws Exception {
        Path jobDirectory = checkpoints.resolve(job.getJobID().toHexString());
        try (Stream<Path> children = Files.list(jobDirectory)) {
            return children.filter(path -> path.getFileName().toString().matches("chk-\\d+"))
                    .filter(path -> Files.exists(path.resolve("_metadata")))
                    .max(
                            Comparator.comparingLong(
                                    path ->
                                            Long.parseLong(
                                                    path.getFileName().toString().substring(4))))
                    .orElseThrow(
                            () ->
                                    new AssertionError(
                                            "no completed checkpoint retained in " + jobDirectory));
        }
    }

    private List<SinkXid> prepared(String database) throws Exception {
        try (Connection connection = services.mariaDb().connect(database)) {
            return XaRecover.prepared(connection, database);
        }
    }
}

package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysql.cj.jdbc.MysqlXADataSource;
import io.exactlyonce.sinks.jdbc.CommitMarkerTable;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.XaJdbcSink;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.XADataSource;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.jdbc.JdbcExactlyOnceOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.function.SerializableSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A checkpoint that times out after the sink took its snapshot: the job restores from the
 * checkpoint before and replays its records. An exactly-once sink must not have committed them.
 *
 * <p>flink-connector-jdbc 4.0.0-2.0's XA sink does: {@code JdbcWriter.snapshotState} commits the
 * transaction it just prepared, before the checkpoint completes. This test pins that finding, and
 * proves the project's {@link XaJdbcSink} writes every row exactly once in the same run.
 */
class CheckpointTimeoutXaSinkITCase {

    private static final int ROWS = 400;
    private static final long STALLED_CHECKPOINT = 3;

    @RegisterExtension static final MiniClusterExtension FLINK = EmbeddedServices.miniCluster(3);

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @BeforeEach
    void resetFault() {
        StallCheckpointOnce.reset();
    }

    @Test
    void upstreamXaSinkCommitsBeforeTheCheckpointCompletesAndDuplicatesOnReplay() throws Exception {
        String database = prepareDatabase("upstream_xa");
        String url = services.mariaDb().jdbcUrl(database);
        SerializableSupplier<XADataSource> dataSource =
                () -> {
                    MysqlXADataSource xa = new MysqlXADataSource();
                    xa.setUrl(url);
                    xa.setUser("root");
                    return xa;
                };
        Sink<Long> upstream =
                JdbcSink.<Long>builder()
                        .withQueryStatement(
                                "INSERT INTO rows_written (id) VALUES (?)",
                                (statement, id) -> statement.setLong(1, id))
                        .withExecutionOptions(
                                JdbcExecutionOptions.builder().withMaxRetries(0).build())
                        .buildExactlyOnce(
                                JdbcExactlyOnceOptions.builder()
                                        .withTransactionPerConnection(true)
                                        .build(),
                                dataSource);

        runWithStalledCheckpoint(upstream);

        RowCounts rows = countRows(database);
        System.out.printf(
                "upstream XA sink after a timed-out checkpoint: %d rows written, %d"
                        + " distinct, %d duplicated%n",
                rows.total(), rows.distinct(), rows.total() - rows.distinct());
        assertThat(rows.distinct()).as("every row arrived").isEqualTo(ROWS);
        assertThat(rows.total() - rows.distinct())
                .as("rows the upstream sink committed twice (the finding this test pins)")
                .isPositive();
    }

    @Test
    void projectXaSinkWritesEveryRowExactlyOnceThroughTheSameFault() throws Exception {
        String database = prepareDatabase("project_xa");
        Sink<Long> project =
                new XaJdbcSink<Long>(
                        JdbcSinkSettings.builder("rows_written")
                                .jdbcUrl(services.mariaDb().jdbcUrl(database))
                                .username("root")
                                .xidPrefix(database)
                                .build(),
                        "INSERT INTO rows_written (id) VALUES (?)",
                        (statement, id) -> statement.setLong(1, id));

        runWithStalledCheckpoint(project);

        RowCounts rows = countRows(database);
        assertThat(rows.distinct()).as("every row arrived").isEqualTo(ROWS);
        assertThat(rows.total()).as("no row twice").isEqualTo(ROWS);
        assertThat(preparedTransactions(database)).as("nothing left prepared").isZero();
    }

    private void runWithStalledCheckpoint(Sink<Long> sink) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofSeconds(2).toMillis());
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(restarts);
        // Each operator its own task, so the stalled snapshot holds up no one else's.
        env.disableOperatorChaining();

        DataStream<Long> ids = RowIds.source(env, ROWS);
        ids.sinkTo(sink).name("sink-under-test");
        ids.map(new StallCheckpointOnce<Long>(STALLED_CHECKPOINT))
                .name("stall-checkpoint")
                .sinkTo(new DiscardingSink<>());

        env.executeAsync("xa-sink-checkpoint-timeout")
                .getJobExecutionResult()
                .get(3, TimeUnit.MINUTES);

        assertThat(StallCheckpointOnce.STALLED).as("the checkpoint was stalled").isTrue();
        assertThat(StallCheckpointOnce.HIGHEST_ATTEMPT.get()).as("the job restarted").isPositive();
    }

    private String prepareDatabase(String base) throws Exception {
        String database = EmbeddedServices.uniqueName(base);
        services.mariaDb().createDatabase(database);
        // No primary key: a duplicate is stored, not rejected, so it can be counted.
        services.mariaDb().execute(database, "CREATE TABLE rows_written (id BIGINT NOT NULL)");
        services.mariaDb()
                .execute(database, CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));
        return database;
    }

    private record RowCounts(long total, long distinct) {}

    private RowCounts countRows(String database) throws Exception {
        try (Connection connection = services.mariaDb().connect(database);
                Statement statement = connection.createStatement();
                ResultSet result =
                        statement.executeQuery(
                                "SELECT COUNT(*), COUNT(DISTINCT id) FROM rows_written")) {
            result.next();
            return new RowCounts(result.getLong(1), result.getLong(2));
        }
    }

    private int preparedTransactions(String database) throws Exception {
        int prepared = 0;
        try (Connection connection = services.mariaDb().connect(database);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("XA RECOVER")) {
            while (result.next()) {
                prepared++;
            }
        }
        return prepared;
    }
}

package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exactlyonce.sinks.jdbc.CommitMarkerTable;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.XaJdbcSink;
import io.exactlyonce.testkit.embedded.EmbeddedMariaDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The XA sink refuses a server on which a prepared transaction dies with its connection (the writer
 * closes that connection right after PREPARE), and the job fails without restarting. The old server
 * is a real MariaDB told to report 10.4 to its clients ({@code --version}).
 */
class XaServerVersionITCase {

    private static final int ROWS = 50;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void refusesAServerReportingMariaDb104AndFailsTheJobWithoutRestarts() throws Exception {
        try (EmbeddedMariaDb old =
                EmbeddedMariaDb.start(
                        Path.of("target", "mariadb-reporting-10.4"), "--version=10.4.34-MariaDB")) {
            String database = prepareDatabase(old);

            Throwable failure = catchThrowable(() -> runJob(old, database));

            assertThat(failure).as("the job against a 10.4 server").isNotNull();
            assertThat(ExceptionUtils.findThrowableWithMessage(failure, "MariaDB 10.5"))
                    .as(
                            "a cause that names the version needed, in:%n%s",
                            ExceptionUtils.stringifyException(failure))
                    .isPresent();
            assertThat(
                            ExceptionUtils.findThrowableWithMessage(
                                    failure, "The failure is not recoverable"))
                    .as(
                            "the scheduler did not spend the restart budget, in:%n%s",
                            ExceptionUtils.stringifyException(failure))
                    .isPresent();
            assertThat(rows(old, database)).as("rows written").isZero();
        }
    }

    @Test
    void acceptsTheEmbeddedMariaDb() throws Exception {
        EmbeddedMariaDb current = EmbeddedServices.get().mariaDb();
        String database = prepareDatabase(current);

        runJob(current, database);

        assertThat(rows(current, database)).as("rows written").isEqualTo(ROWS);
    }

    private static String prepareDatabase(EmbeddedMariaDb mariaDb) throws Exception {
        String database = EmbeddedServices.uniqueName("xa_server_version");
        mariaDb.createDatabase(database);
        mariaDb.execute(database, "CREATE TABLE ids (id BIGINT NOT NULL PRIMARY KEY)");
        mariaDb.execute(database, CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));
        return database;
    }

    private static void runJob(EmbeddedMariaDb mariaDb, String database) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(200, CheckpointingMode.EXACTLY_ONCE);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        env.fromSource(
                        new DataGeneratorSource<>(
                                index -> index,
                                ROWS,
                                RateLimiterStrategy.perSecond(200),
                                Types.LONG),
                        WatermarkStrategy.noWatermarks(),
                        "ids")
                .sinkTo(
                        new XaJdbcSink<Long>(
                                JdbcSinkSettings.builder("ids")
                                        .jdbcUrl(mariaDb.jdbcUrl(database))
                                        .username("root")
                                        .xidPrefix(database)
                                        .build(),
                                "INSERT INTO ids (id) VALUES (?)",
                                (statement, id) -> statement.setLong(1, id)));
        env.executeAsync("xa-server-version").getJobExecutionResult().get(2, TimeUnit.MINUTES);
    }

    private static long rows(EmbeddedMariaDb mariaDb, String database) throws Exception {
        try (Connection connection = mariaDb.connect(database);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM ids")) {
            result.next();
            return result.getLong(1);
        }
    }
}

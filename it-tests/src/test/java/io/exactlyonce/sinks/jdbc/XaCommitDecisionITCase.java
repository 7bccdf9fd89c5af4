package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.it.EmbeddedServices;
import io.exactlyonce.it.XaRecover;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.apache.flink.api.common.time.Deadline;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.groups.InternalSinkCommitterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.operators.sink.committables.CheckpointCommittableManager;
import org.apache.flink.streaming.runtime.operators.sink.committables.CommittableCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The XA committer's decision against a real MariaDB, driven by Flink's own commit machinery (its
 * committable collector and commit requests, with their retry loop).
 *
 * <p>In this package to reach the package-private committer; it runs in it-tests because the server
 * is started there.
 */
class XaCommitDecisionITCase {

    private static final long CHECKPOINT = 1L;
    private static final int ROWS = 3;

    private final EmbeddedInfrastructure services = EmbeddedServices.get();
    private final List<XAConnection> heldSessions = new ArrayList<>();
    private String database;
    private JdbcSinkSettings settings;
    private XaCommitter committer;

    @BeforeEach
    void createDatabase() throws Exception {
        database = EmbeddedServices.uniqueName("xa_decision");
        services.mariaDb().createDatabase(database);
        services.mariaDb().execute(database, "CREATE TABLE rows_written (id BIGINT NOT NULL)");
        services.mariaDb()
                .execute(database, CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));
        settings = settingsBuilder().build();
        committer =
                new XaCommitter(
                        settings,
                        new UnregisteredMetricsGroup(),
                        () -> CommitSession.open(settings),
                        XaCommitter.Pause.SLEEP);
    }

    /** Other tests on this server count what XA RECOVER lists: leave nothing prepared. */
    @AfterEach
    void closeSessionsAndRollBackWhatIsLeft() throws Exception {
        committer.close();
        heldSessions.forEach(MySqlConnections::closeQuietly);
        Deadline deadline = Deadline.fromNow(Duration.ofSeconds(30));
        XAConnection cleaner = MySqlConnections.openXa(settings);
        try {
            while (!PreparedTransactions.settle(
                            cleaner.getXAResource(), Set.of(database), 0, 1, OptionalLong.empty())
                    .stuck()
                    .isEmpty()) {
                assertThat(deadline.hasTimeLeft()).as("closed sessions release their ids").isTrue();
            }
        } finally {
            MySqlConnections.closeQuietly(cleaner);
        }
    }

    @Test
    void aTransactionStillAttachedToItsPreparingSessionIsCommittedOnceTheSessionIsGone()
            throws Exception {
        SinkXid xid = new SinkXid(database, 0, CHECKPOINT, 0);
        XAConnection preparingSession = prepareAndHoldOpen(xid);
        CheckpointCommittableManager<SinkXid> manager = oneCommittable(xid);

        // Flink's loop calls the committer 1 + 2 times, all while the session is alive.
        assertThatThrownBy(() -> manager.commit(committer, 2))
                .as("not taken as committed while XA RECOVER lists it")
                .isInstanceOf(IOException.class)
                .hasMessageContaining("after 2 retries");
        assertThat(manager.isFinished()).isFalse();
        assertThat(committedRows()).as("rows while the preparing session lives").isZero();
        assertThat(preparedIds()).containsExactly(xid);

        MySqlConnections.closeQuietly(preparingSession);
        manager.commit(committer, 10);

        assertCommitted(manager, xid);
    }

    @Test
    void aTransactionAttachedToALiveSessionFailsTheJobOnceTheBudgetIsSpent() throws Exception {
        SinkXid xid = new SinkXid(database, 0, CHECKPOINT, 0);
        prepareAndHoldOpen(xid);
        CheckpointCommittableManager<SinkXid> manager = oneCommittable(xid);

        assertThatThrownBy(() -> manager.commit(committer, 10))
                .isInstanceOf(IllegalStateException.class)
                .cause()
                .hasMessageContaining(xid.toString())
                .hasMessageContaining("KILL");
        assertThat(committedRows()).isZero();
        assertThat(preparedIds()).containsExactly(xid);
    }

    /**
     * A writer whose close after PREPARE never reaches the server (a network partition): the client
     * keeps its connection open and idle. The server ends the session after the sink's session idle
     * timeout, and the committer's commit from another session succeeds within its retry budget
     * instead of failing the job while the session lives (wait_timeout, 8 h).
     */
    @Test
    void aPreparingSessionWhoseCloseNeverArrivesIsEndedByTheServerAndCommitted() throws Exception {
        JdbcSinkSettings shortIdle =
                settingsBuilder().sessionIdleTimeout(Duration.ofSeconds(2)).build();
        SinkXid xid = new SinkXid(database, 0, CHECKPOINT, 0);
        XAConnection neverClosed = MySqlConnections.openWriterXa(shortIdle);
        heldSessions.add(neverClosed);
        prepare(neverClosed, xid);
        CheckpointCommittableManager<SinkXid> manager = oneCommittable(xid);

        manager.commit(committer, 10);

        assertCommitted(manager, xid);
    }

    @Test
    void anUnknownIdWithoutCommitMarkerFailsTheJob() throws Exception {
        SinkXid neverCommitted = new SinkXid(database, 0, CHECKPOINT, 0);
        CheckpointCommittableManager<SinkXid> manager = oneCommittable(neverCommitted);

        assertThatThrownBy(() -> manager.commit(committer, 10))
                .isInstanceOf(IllegalStateException.class)
                .cause()
                .hasMessageContaining(neverCommitted.toString())
                .hasMessageContaining("rows are lost");
    }

    @Test
    void anUnknownIdWithItsCommitMarkerWasCommittedEarlier() throws Exception {
        SinkXid xid = new SinkXid(database, 0, CHECKPOINT, 0);
        MySqlConnections.closeQuietly(prepareAndHoldOpen(xid));
        CheckpointCommittableManager<SinkXid> first = oneCommittable(xid);
        first.commit(committer, 10);
        CheckpointCommittableManager<SinkXid> afterRestore = oneCommittable(xid);

        afterRestore.commit(committer, 10);

        assertThat(afterRestore.isFinished()).isTrue();
        assertThat(afterRestore.getSuccessfulCommittables()).containsExactly(xid);
        assertThat(committedRows()).isEqualTo(ROWS);
    }

    private void assertCommitted(CheckpointCommittableManager<SinkXid> manager, SinkXid xid)
            throws Exception {
        assertThat(manager.isFinished()).isTrue();
        assertThat(manager.getSuccessfulCommittables()).containsExactly(xid);
        assertThat(committedRows()).as("rows after the commit").isEqualTo(ROWS);
        assertThat(preparedIds()).isEmpty();
    }

    private JdbcSinkSettings.Builder settingsBuilder() {
        return JdbcSinkSettings.builder("rows_written")
                .jdbcUrl(services.mariaDb().jdbcUrl(database))
                .username("root")
                .xidPrefix(database);
    }

    /** What the writer does: rows and marker in one XA transaction, prepared. */
    private XAConnection prepareAndHoldOpen(SinkXid xid) throws Exception {
        XAConnection session = MySqlConnections.openXa(settings);
        heldSessions.add(session);
        prepare(session, xid);
        return session;
    }

    private void prepare(XAConnection session, SinkXid xid) throws Exception {
        XAResource resource = session.getXAResource();
        Connection handle = session.getConnection();
        resource.start(xid, XAResource.TMNOFLAGS);
        CommitMarkerTable.insert(handle, settings.commitMarkerTable(), xid);
        try (PreparedStatement insert =
                handle.prepareStatement("INSERT INTO rows_written (id) VALUES (?)")) {
            for (int id = 0; id < ROWS; id++) {
                insert.setLong(1, id);
                insert.executeUpdate();
            }
        }
        resource.end(xid, XAResource.TMSUCCESS);
        resource.prepare(xid);
    }

    private static CheckpointCommittableManager<SinkXid> oneCommittable(SinkXid xid) {
        CommittableCollector<SinkXid> collector =
                new CommittableCollector<>(
                        InternalSinkCommitterMetricGroup.wrap(
                                UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup()));
        collector.addMessage(new CommittableSummary<>(0, 1, CHECKPOINT, 1, 0));
        collector.addMessage(new CommittableWithLineage<>(xid, CHECKPOINT, 0));
        Collection<? extends CheckpointCommittableManager<SinkXid>> managers =
                collector.getCheckpointCommittablesUpTo(CHECKPOINT);
        return managers.iterator().next();
    }

    private long committedRows() throws Exception {
        try (Connection connection = services.mariaDb().connect(database);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT COUNT(*) FROM rows_written")) {
            result.next();
            return result.getLong(1);
        }
    }

    private List<SinkXid> preparedIds() throws Exception {
        try (Connection connection = services.mariaDb().connect(database)) {
            return XaRecover.prepared(connection, database);
        }
    }
}

package io.exactlyonce.sinks.jdbc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each checkpoint interval's rows in one XA transaction, prepares it when the checkpoint
 * barrier passes, and hands its id to the committer, which commits only after the checkpoint
 * completed. Nothing is committed here: a checkpoint that never completes leaves a prepared
 * transaction that recovery rolls back, and its rows are written again from the replay. Each
 * transaction also writes its commit marker ({@link CommitMarkerTable}), so the committer can tell
 * a transaction committed earlier from a lost one.
 *
 * <p>Each transaction gets its own connection, closed right after PREPARE. MySQL and MariaDB allow
 * one XA transaction per connection, and MariaDB lets another session commit a prepared transaction
 * only once the session that prepared it is gone.
 */
final class XaJdbcWriter<T>
        implements StatefulSinkWriter<T, XaWriterState>, CommittingSinkWriter<T, SinkXid> {

    private static final Logger LOG = LoggerFactory.getLogger(XaJdbcWriter.class);

    private final JdbcSinkSettings settings;
    private final String sql;
    private final StatementBinder<T> binder;
    private final int subtask;
    private final int attempt;
    private final Counter preparedTransactions;

    /** This sink's prefix and the restored ones: the transactions this writer settles. */
    private final Set<String> prefixes = new LinkedHashSet<>();

    private final int parallelism;

    /** Commit markers at or below this checkpoint are deleted (or were, before a restart). */
    private long markersDeletedUpTo;

    /** The last checkpoint this writer snapshotted; a new transaction is named after the next. */
    private long lastCheckpointId;

    private XAConnection connection;
    private PreparedStatement statement;
    private SinkXid currentXid;
    private int unsentRows;

    XaJdbcWriter(
            WriterInitContext context,
            JdbcSinkSettings settings,
            String sql,
            StatementBinder<T> binder,
            Collection<XaWriterState> restoredStates)
            throws IOException {
        this.settings = settings;
        this.sql = sql;
        this.binder = binder;
        this.subtask = context.getTaskInfo().getIndexOfThisSubtask();
        this.attempt = context.getTaskInfo().getAttemptNumber();
        this.preparedTransactions = context.metricGroup().counter("xaTransactionsPrepared");
        OptionalLong restored = context.getRestoredCheckpointId();
        this.lastCheckpointId = restored.orElse(0L);

        this.parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
        prefixes.add(settings.xidPrefix());
        restoredStates.forEach(state -> prefixes.add(state.xidPrefix()));
        settlePrepared(restored);
    }

    private void settlePrepared(OptionalLong restored) throws IOException {
        XAConnection recoveryConnection = null;
        try {
            recoveryConnection = MySqlConnections.openXa(settings);
            PreparedTransactions.Settled settled =
                    PreparedTransactions.settle(
                            recoveryConnection.getXAResource(),
                            prefixes,
                            subtask,
                            parallelism,
                            restored);
            LOG.info(
                    "{} subtask {}: committed {} and rolled back {} prepared transactions"
                            + " (restored checkpoint {})",
                    settings.name(),
                    subtask,
                    settled.committed().size(),
                    settled.rolledBack().size(),
                    restored.isPresent() ? restored.getAsLong() : "none");
            if (!settled.stuck().isEmpty()) {
                throw new IOException(
                        settings.name()
                                + ": prepared transactions "
                                + settled.stuck()
                                + " are listed by XA RECOVER but answer XAER_NOTA: the sessions"
                                + " that prepared them are still alive on the server. A DBA"
                                + " KILLs those sessions (SHOW PROCESSLIST); the next restart"
                                + " then settles them. Until then their row locks block the"
                                + " replay, so the writer does not start.");
            }
        } catch (XAException e) {
            throw new IOException(
                    settings.name()
                            + ": XA RECOVER or ROLLBACK failed (error "
                            + e.errorCode
                            + "). On MySQL 8 the user needs the XA_RECOVER_ADMIN privilege.",
                    e);
        } catch (SQLException e) {
            throw new IOException(settings.name() + ": cannot reach the database", e);
        } finally {
            MySqlConnections.closeQuietly(recoveryConnection);
        }
    }

    @Override
    public void write(T element, Context context) throws IOException {
        try {
            if (currentXid == null) {
                begin();
            }
            binder.bind(statement, element);
            statement.addBatch();
            if (++unsentRows >= settings.batchSize()) {
                sendBatch();
            }
        } catch (SQLException | XAException e) {
            throw new IOException(settings.name() + ": write failed in " + currentXid, e);
        }
    }

    private void begin() throws SQLException, XAException {
        currentXid = new SinkXid(settings.xidPrefix(), subtask, lastCheckpointId + 1, attempt);
        connection = MySqlConnections.openWriterXa(settings);
        Connection handle = connection.getConnection();
        MySqlConnections.readCommitted(handle);
        connection.getXAResource().start(currentXid, XAResource.TMNOFLAGS);
        CommitMarkerTable.insert(handle, settings.commitMarkerTable(), currentXid);
        deleteOldMarkers(handle);
        statement = handle.prepareStatement(sql);
    }

    /**
     * Deletes, inside the new transaction, the markers of owned subtasks from the checkpoints since
     * the last deletion up to {@code commitMarkerRetention} below this one. Each of this writer's
     * transactions takes a band of its own, so a transaction still waiting for its commit never
     * holds a row the next one deletes.
     */
    private void deleteOldMarkers(Connection handle) throws SQLException {
        long upTo = currentXid.checkpointId() - settings.commitMarkerRetention();
        if (upTo > markersDeletedUpTo) {
            CommitMarkerTable.deleteOwned(
                    handle,
                    settings.commitMarkerTable(),
                    prefixes,
                    subtask,
                    parallelism,
                    markersDeletedUpTo,
                    upTo);
            markersDeletedUpTo = upTo;
        }
    }

    private void sendBatch() throws SQLException {
        if (unsentRows > 0) {
            statement.executeBatch();
            unsentRows = 0;
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        // Rows are sent in batches as they come; the transaction stays open until prepareCommit.
        if (currentXid != null) {
            try {
                sendBatch();
            } catch (SQLException e) {
                throw new IOException(settings.name() + ": flush failed in " + currentXid, e);
            }
        }
    }

    @Override
    public Collection<SinkXid> prepareCommit() throws IOException {
        if (currentXid == null) {
            return List.of();
        }
        SinkXid prepared = currentXid;
        try {
            sendBatch();
            XAResource resource = connection.getXAResource();
            resource.end(prepared, XAResource.TMSUCCESS);
            // Never read-only: every transaction writes its commit marker.
            resource.prepare(prepared);
            preparedTransactions.inc();
            return List.of(prepared);
        } catch (SQLException | XAException e) {
            throw new IOException(settings.name() + ": prepare failed for " + prepared, e);
        } finally {
            // Detach the prepared transaction so the committer's session may commit it.
            MySqlConnections.closeQuietly(connection);
            connection = null;
            statement = null;
            currentXid = null;
            unsentRows = 0;
        }
    }

    @Override
    public List<XaWriterState> snapshotState(long checkpointId) {
        lastCheckpointId = checkpointId;
        return List.of(new XaWriterState(settings.xidPrefix()));
    }

    @Override
    public void close() {
        if (currentXid != null) {
            // Not prepared: closing the connection makes the server roll it back.
            LOG.info("{}: abandoning unprepared transaction {}", settings.name(), currentXid);
            MySqlConnections.closeQuietly(connection);
            currentXid = null;
        }
    }
}

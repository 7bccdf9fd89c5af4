package io.exactlyonce.sinks.jdbc;

import java.sql.SQLException;
import java.util.OptionalLong;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

/** The committer's connection to the database: its XA resource and the commit markers. */
interface CommitSession extends AutoCloseable {

    XAResource xaResource() throws SQLException;

    /** Whether the commit marker of {@code xid} is in the table, i.e. it committed. */
    boolean hasCommitMarker(SinkXid xid) throws SQLException;

    /** The highest checkpoint with a commit marker of {@code prefix}, if any. */
    OptionalLong newestCommitMarkerCheckpoint(String prefix) throws SQLException;

    @Override
    void close();

    /** Opens a session; the committer opens a new one after a connection failure. */
    interface Opener {
        CommitSession open() throws SQLException;
    }

    /** A session on MySQL or MariaDB. */
    static CommitSession open(JdbcSinkSettings settings) throws SQLException {
        XAConnection connection = MySqlConnections.openXa(settings);
        return new CommitSession() {
            @Override
            public XAResource xaResource() throws SQLException {
                return connection.getXAResource();
            }

            @Override
            public boolean hasCommitMarker(SinkXid xid) throws SQLException {
                return CommitMarkerTable.exists(
                        connection.getConnection(), settings.commitMarkerTable(), xid);
            }

            @Override
            public OptionalLong newestCommitMarkerCheckpoint(String prefix) throws SQLException {
                return CommitMarkerTable.newestCheckpoint(
                        connection.getConnection(), settings.commitMarkerTable(), prefix);
            }

            @Override
            public void close() {
                MySqlConnections.closeQuietly(connection);
            }
        };
    }
}

package io.exactlyonce.sinks.jdbc;

import java.sql.SQLException;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

/** The committer's connection to the database: its XA resource and the commit markers. */
interface CommitSession extends AutoCloseable {

    XAResource xaResource() throws SQLException;

    /** Whether the commit marker of {@code xid} is in the table, i.e. it committed. */
    boolean hasCommitMarker(SinkXid xid) throws SQLException;

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
            public void close() {
                MySqlConnections.closeQuietly(connection);
            }
        };
    }
}

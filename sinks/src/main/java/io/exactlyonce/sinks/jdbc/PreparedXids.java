package io.exactlyonce.sinks.jdbc;

import java.sql.SQLException;
import java.util.List;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;

/** What {@code XA RECOVER} lists of one sink's prefix, for checks outside the sink. */
public final class PreparedXids {

    private PreparedXids() {}

    /**
     * The transactions of {@code settings}' XID prefix that are prepared in the database, of every
     * subtask and checkpoint.
     *
     * @throws SQLException if the database cannot be reached
     * @throws XAException if {@code XA RECOVER} fails, e.g. without the privilege for it
     */
    public static List<SinkXid> ofPrefix(JdbcSinkSettings settings)
            throws SQLException, XAException {
        XAConnection connection = MySqlConnections.openXa(settings);
        try {
            return PreparedTransactions.recover(connection.getXAResource()).stream()
                    .filter(xid -> xid.prefix().equals(settings.xidPrefix()))
                    .toList();
        } finally {
            MySqlConnections.closeQuietly(connection);
        }
    }
}

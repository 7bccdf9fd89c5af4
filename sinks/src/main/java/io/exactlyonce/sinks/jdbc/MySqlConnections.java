package io.exactlyonce.sinks.jdbc;

import com.mysql.cj.jdbc.MysqlXADataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.XAConnection;

/** Opens connections to MySQL or MariaDB through mysql-connector-j. */
final class MySqlConnections {

    private MySqlConnections() {}

    static XAConnection openXa(JdbcSinkSettings settings) throws SQLException {
        return dataSource(settings).getXAConnection();
    }

    /**
     * A session for one transaction of the exactly-once writer, which the server ends after {@link
     * JdbcSinkSettings#sessionIdleTimeout()} without a statement. If the writer's close after
     * PREPARE never reaches the server, that ends the session and detaches the prepared
     * transaction, which other sessions can commit only then; the server's default wait_timeout is
     * 8 hours. interactive_timeout does not apply: the driver does not connect as an interactive
     * client.
     */
    static XAConnection openWriterXa(JdbcSinkSettings settings) throws SQLException {
        XAConnection connection = openXa(settings);
        try (Statement statement = connection.getConnection().createStatement()) {
            statement.execute(
                    "SET SESSION wait_timeout = " + settings.sessionIdleTimeout().toSeconds());
        } catch (SQLException e) {
            closeQuietly(connection);
            throw e;
        }
        return connection;
    }

    /** A plain connection in READ COMMITTED, for the at-least-once writer. */
    static Connection open(JdbcSinkSettings settings) throws SQLException {
        Connection connection = dataSource(settings).getConnection();
        readCommitted(connection);
        return connection;
    }

    /**
     * No gap locks: a prepared transaction waiting for its checkpoint must not block the next
     * transaction's inserts next to its rows. Set before XA START, on the handle that is used.
     */
    static void readCommitted(Connection connection) throws SQLException {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }

    private static MysqlXADataSource dataSource(JdbcSinkSettings settings) throws SQLException {
        MysqlXADataSource dataSource = new MysqlXADataSource();
        dataSource.setUrl(settings.jdbcUrl());
        dataSource.setUser(settings.username());
        dataSource.setPassword(settings.password());
        dataSource.setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()));
        dataSource.setSocketTimeout(Math.toIntExact(settings.socketTimeout().toMillis()));
        // One round trip per batch instead of one per row.
        dataSource.setRewriteBatchedStatements(true);
        return dataSource;
    }

    static void closeQuietly(XAConnection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a broken connection: the server rolls back whatever was not prepared.
            }
        }
    }
}

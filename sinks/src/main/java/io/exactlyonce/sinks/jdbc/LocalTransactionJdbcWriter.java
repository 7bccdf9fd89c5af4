package io.exactlyonce.sinks.jdbc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At least once: rows are committed in a local transaction at every flush, before the checkpoint
 * completes, so a restore replays and writes them again. Kept to show what exactly-once prevents; a
 * failed batch is retried up to {@code maxRetries} times on a new connection.
 */
final class LocalTransactionJdbcWriter<T>
        implements StatefulSinkWriter<T, XaWriterState>, CommittingSinkWriter<T, SinkXid> {

    private static final Logger LOG = LoggerFactory.getLogger(LocalTransactionJdbcWriter.class);

    private final JdbcSinkSettings settings;
    private final String sql;
    private final StatementBinder<T> binder;
    private final TypeSerializer<T> copier;
    private final List<T> buffered = new ArrayList<>();
    private Connection connection;

    LocalTransactionJdbcWriter(
            JdbcSinkSettings settings,
            String sql,
            StatementBinder<T> binder,
            TypeSerializer<T> copier) {
        this.settings = settings;
        this.sql = sql;
        this.binder = binder;
        this.copier = copier;
    }

    @Override
    public void write(T element, Context context) throws IOException {
        buffered.add(copier.copy(element));
        if (buffered.size() >= settings.batchSize()) {
            flush(false);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (buffered.isEmpty()) {
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                writeBuffered();
                buffered.clear();
                return;
            } catch (SQLException e) {
                closeConnection();
                if (attempt >= settings.maxRetries()) {
                    throw new IOException(settings.name() + ": batch failed", e);
                }
                LOG.warn("{}: batch failed, retry {}", settings.name(), attempt + 1, e);
            }
        }
    }

    private void writeBuffered() throws SQLException {
        if (connection == null) {
            connection = MySqlConnections.open(settings);
            connection.setAutoCommit(false);
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (T element : buffered) {
                binder.bind(statement, element);
                statement.addBatch();
            }
            statement.executeBatch();
        }
        connection.commit();
    }

    @Override
    public Collection<SinkXid> prepareCommit() {
        return List.of();
    }

    @Override
    public List<XaWriterState> snapshotState(long checkpointId) {
        return List.of();
    }

    @Override
    public void close() {
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken.
            }
            connection = null;
        }
    }
}

package io.exactlyonce.sinks.jdbc;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A JDBC sink for MySQL and MariaDB that is exactly-once through XA two-phase commit tied to
 * Flink's checkpoints: prepare at the barrier, commit after the checkpoint completed, commit again
 * on recovery, roll back what no completed checkpoint covers.
 *
 * <p>Written for this project instead of using flink-connector-jdbc's XA sink, which commits a
 * transaction while the checkpoint that carries it is still in flight; see sinks/README.md.
 */
public final class XaJdbcSink<T>
        implements Sink<T>, SupportsCommitter<SinkXid>, SupportsWriterState<T, XaWriterState> {

    private static final long serialVersionUID = 1L;

    private final JdbcSinkSettings settings;
    private final String sql;
    private final StatementBinder<T> binder;

    public XaJdbcSink(JdbcSinkSettings settings, String sql, StatementBinder<T> binder) {
        this.settings = settings;
        this.sql = sql;
        this.binder = binder;
    }

    public JdbcSinkSettings settings() {
        return settings;
    }

    @Override
    public StatefulSinkWriter<T, XaWriterState> createWriter(WriterInitContext context)
            throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<T, XaWriterState> restoreWriter(
            WriterInitContext context, Collection<XaWriterState> restoredStates)
            throws IOException {
        if (settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
            XaServerGuard.requireDurablePrepare(settings);
            return new XaJdbcWriter<>(context, settings, sql, binder, restoredStates);
        }
        return new LocalTransactionJdbcWriter<>(
                settings, sql, binder, context.<T>createInputSerializer());
    }

    @Override
    public Committer<SinkXid> createCommitter(CommitterInitContext context) throws IOException {
        // A restored committer commits on its own, before or without a writer.
        if (settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
            XaServerGuard.requireDurablePrepare(settings);
        }
        return new XaCommitter(
                settings,
                context.metricGroup(),
                () -> CommitSession.open(settings),
                XaCommitter.Pause.SLEEP);
    }

    @Override
    public SimpleVersionedSerializer<SinkXid> getCommittableSerializer() {
        return new SinkXidSerializer();
    }

    @Override
    public SimpleVersionedSerializer<XaWriterState> getWriterStateSerializer() {
        return new XaWriterState.Serializer();
    }
}

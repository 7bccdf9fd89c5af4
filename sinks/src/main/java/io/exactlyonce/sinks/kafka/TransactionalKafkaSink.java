package io.exactlyonce.sinks.kafka;

import io.exactlyonce.sinks.CommitOutcomes;
import java.io.IOException;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;

/**
 * The connector's {@link KafkaSink}, unchanged in what it writes, commits and keeps in state, with
 * a committer that asks the broker what became of a transaction it could not commit ({@link
 * OutcomeReportingKafkaCommitter}): committed before, so a harmless re-commit after a restore, or
 * aborted, so its records are lost. The connector reports both alike.
 */
public final class TransactionalKafkaSink<T>
        implements TwoPhaseCommittingStatefulSink<T, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable>,
                LineageVertexProvider {

    private static final long serialVersionUID = 1L;

    private final KafkaSink<T> kafkaSink;
    private final KafkaSinkSettings settings;

    TransactionalKafkaSink(KafkaSink<T> kafkaSink, KafkaSinkSettings settings) {
        this.kafkaSink = kafkaSink;
        this.settings = settings;
    }

    private TwoPhaseCommittingStatefulSink<T, KafkaWriterState, KafkaCommittable> delegate() {
        return kafkaSink;
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        return delegate().createWriter(context);
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> recoveredState)
            throws IOException {
        return delegate().restoreWriter(context, recoveredState);
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        Committer<KafkaCommittable> committer = kafkaSink.createCommitter(context);
        if (settings.deliveryGuarantee() != DeliveryGuarantee.EXACTLY_ONCE) {
            return committer;
        }
        return new OutcomeReportingKafkaCommitter(
                committer,
                new BrokerTransactionStates(settings),
                new CommitOutcomes(settings.name(), context.metricGroup()),
                settings,
                context.getRestoredCheckpointId());
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return kafkaSink.getCommittableSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return kafkaSink.getWriterStateSerializer();
    }

    /** Keeps the connector's co-location of writer and committer (they share a back channel). */
    @Override
    public void addPostCommitTopology(
            DataStream<CommittableMessage<KafkaCommittable>> committables) {
        kafkaSink.addPostCommitTopology(committables);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return kafkaSink.getLineageVertex();
    }
}

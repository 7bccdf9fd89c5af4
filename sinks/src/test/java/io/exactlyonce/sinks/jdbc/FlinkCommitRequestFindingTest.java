package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.runtime.metrics.groups.InternalSinkCommitterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.operators.sink.committables.CheckpointCommittableManager;
import org.apache.flink.streaming.runtime.operators.sink.committables.CommittableCollector;
import org.junit.jupiter.api.Test;

/**
 * Pins what Flink 2.2.1's committer machinery does with a commit that fails "with a known reason":
 * nothing. No exception, no log, the committable counts as finished and the job runs on. This is
 * why the XA committer reports a rollback by the database as an unknown-reason failure, which
 * throws and fails the job.
 */
class FlinkCommitRequestFindingTest {

    private static final long CHECKPOINT = 5L;

    @Test
    void aFailureWithKnownReasonNeitherThrowsNorKeepsTheCommittable() throws Exception {
        CheckpointCommittableManager<String> manager = oneCommittable("xid-1");
        Committer<String> failingWithKnownReason =
                committer(
                        request ->
                                request.signalFailedWithKnownReason(
                                        new IllegalStateException("the database rolled it back")));

        assertThatCode(() -> manager.commit(failingWithKnownReason, 10))
                .as("Flink neither throws nor retries")
                .doesNotThrowAnyException();
        assertThat(manager.isFinished()).as("the committable is done with").isTrue();
        assertThat(manager.getSuccessfulCommittables()).isEmpty();
    }

    @Test
    void aFailureWithUnknownReasonThrows() {
        CheckpointCommittableManager<String> manager = oneCommittable("xid-1");
        Committer<String> failingWithUnknownReason =
                committer(
                        request ->
                                request.signalFailedWithUnknownReason(
                                        new IllegalStateException("the database rolled it back")));

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> manager.commit(failingWithUnknownReason, 10))
                .isInstanceOf(IllegalStateException.class);
    }

    private static CheckpointCommittableManager<String> oneCommittable(String committable) {
        CommittableCollector<String> collector =
                new CommittableCollector<>(
                        InternalSinkCommitterMetricGroup.wrap(
                                UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup()));
        collector.addMessage(new CommittableSummary<>(0, 1, CHECKPOINT, 1, 0));
        collector.addMessage(new CommittableWithLineage<>(committable, CHECKPOINT, 0));
        Collection<? extends CheckpointCommittableManager<String>> managers =
                collector.getCheckpointCommittablesUpTo(CHECKPOINT);
        assertThat(managers).hasSize(1);
        return managers.iterator().next();
    }

    private interface RequestHandler {
        void handle(Committer.CommitRequest<String> request);
    }

    private static Committer<String> committer(RequestHandler handler) {
        return new Committer<>() {
            @Override
            public void commit(Collection<CommitRequest<String>> requests) {
                List.copyOf(requests).forEach(handler::handle);
            }

            @Override
            public void close() {}
        };
    }
}

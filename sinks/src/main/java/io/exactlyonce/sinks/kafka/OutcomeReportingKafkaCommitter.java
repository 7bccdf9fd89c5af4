package io.exactlyonce.sinks.kafka;

import io.exactlyonce.sinks.CommitOutcomes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's Kafka committer, plus a verdict on every commit it gives up on with a known
 * reason.
 *
 * <p>flink-connector-kafka 5.0.0-2.2 signals a fenced or invalid-state commit as failed with a
 * known reason and logs that it "most likely signals data loss". It does so for two different
 * things: the re-commit, after a restore, of a restored checkpoint's transaction that was committed
 * before the failure (fenced, because the broker ended that transaction and moved its epoch on),
 * and a transaction the broker aborted before its checkpoint's commit reached it (its records are
 * lost). Flink counts both in {@code failedCommittables}. This committer asks the broker: a
 * transaction it reports {@code COMPLETE_COMMIT} (or {@code PREPARE_COMMIT}, decided and being
 * completed) was committed before, and is passed on to Flink as already committed; one it reports
 * aborted is lost; anything else (the id expired, reused, or the broker cannot be asked) is
 * unknown. Lost and unknown ones stay failed with the connector's reason, as without this class:
 * the job runs on.
 */
final class OutcomeReportingKafkaCommitter implements Committer<KafkaCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeReportingKafkaCommitter.class);

    /** The broker's state of a transactional id, as a {@code TransactionState} name. */
    interface TransactionStates extends AutoCloseable {
        String NOT_FOUND = "NOT_FOUND";

        String stateOf(String transactionalId) throws Exception;
    }

    private final Committer<KafkaCommittable> connectorCommitter;
    private final TransactionStates states;
    private final CommitOutcomes outcomes;
    private final KafkaSinkSettings settings;
    private final OptionalLong restoredCheckpointId;

    OutcomeReportingKafkaCommitter(
            Committer<KafkaCommittable> connectorCommitter,
            TransactionStates states,
            CommitOutcomes outcomes,
            KafkaSinkSettings settings,
            OptionalLong restoredCheckpointId) {
        this.connectorCommitter = connectorCommitter;
        this.states = states;
        this.outcomes = outcomes;
        this.settings = settings;
        this.restoredCheckpointId = restoredCheckpointId;
    }

    @Override
    public void commit(Collection<CommitRequest<KafkaCommittable>> requests)
            throws IOException, InterruptedException {
        List<HeldRequest> held = new ArrayList<>(requests.size());
        List<CommitRequest<KafkaCommittable>> passed = new ArrayList<>(requests.size());
        for (CommitRequest<KafkaCommittable> request : requests) {
            HeldRequest heldRequest = new HeldRequest(request);
            held.add(heldRequest);
            passed.add(heldRequest);
        }
        try {
            connectorCommitter.commit(passed);
        } finally {
            for (HeldRequest request : held) {
                if (request.knownFailure != null) {
                    decide(request.original, request.knownFailure);
                }
            }
        }
    }

    private void decide(CommitRequest<KafkaCommittable> request, Throwable failure) {
        String transactionalId = request.getCommittable().getTransactionalId();
        String state;
        try {
            state = states.stateOf(transactionalId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = "not asked (interrupted)";
        } catch (Exception e) {
            LOG.warn(
                    "{}: cannot ask the broker about transaction {}",
                    settings.name(),
                    transactionalId,
                    e);
            state = "not asked (" + e + ")";
        }
        String which = whichTransaction(transactionalId);
        switch (state) {
            // PREPARE_COMMIT: the coordinator has logged the decision and is writing the markers.
            case "COMPLETE_COMMIT":
            case "PREPARE_COMMIT":
                outcomes.recommitted(
                        "Kafka transaction " + transactionalId + " " + which,
                        "the broker reports it "
                                + state
                                + "; the connector's fenced-commit"
                                + " error about it can be ignored");
                request.signalAlreadyCommitted();
                return;
            case "COMPLETE_ABORT":
            case "PREPARE_ABORT":
                outcomes.lost(
                        settings.name()
                                + ": Kafka transaction "
                                + transactionalId
                                + " "
                                + which
                                + " was aborted by the broker ("
                                + state
                                + ") before its"
                                + " commit: its records are not in topic "
                                + settings.topic()
                                + ". The usual cause is a job without a completed checkpoint, or"
                                + " down, for longer than the transaction timeout ("
                                + settings.transactionTimeout()
                                + "). The job runs on; repair that"
                                + " checkpoint interval's output from the source.",
                        failure);
                break;
            default:
                outcomes.unknown(
                        settings.name()
                                + ": Kafka transaction "
                                + transactionalId
                                + " "
                                + which
                                + " could not be committed, and the broker's state of it ("
                                + state
                                + ") does not tell whether it was committed before. Check"
                                + " topic "
                                + settings.topic()
                                + " for that checkpoint interval's"
                                + " records.",
                        failure);
        }
        request.signalFailedWithKnownReason(failure);
    }

    /** The transactional ids end in the checkpoint that commits them (INCREMENTING naming). */
    private String whichTransaction(String transactionalId) {
        long checkpoint;
        try {
            checkpoint =
                    Long.parseLong(transactionalId.substring(transactionalId.lastIndexOf('-') + 1));
        } catch (NumberFormatException e) {
            return "";
        }
        if (restoredCheckpointId.isEmpty()) {
            return "(checkpoint " + checkpoint + ", no restore)";
        }
        long restored = restoredCheckpointId.getAsLong();
        return checkpoint <= restored
                ? "(checkpoint " + checkpoint + ", restored from checkpoint " + restored + ")"
                : "(checkpoint "
                        + checkpoint
                        + ", completed after the restore from checkpoint "
                        + restored
                        + ")";
    }

    @Override
    public void close() throws Exception {
        try {
            connectorCommitter.close();
        } finally {
            states.close();
        }
    }

    /** Passes every signal through but a known-reason failure, which waits for the verdict. */
    private static final class HeldRequest implements CommitRequest<KafkaCommittable> {
        private final CommitRequest<KafkaCommittable> original;
        private Throwable knownFailure;

        HeldRequest(CommitRequest<KafkaCommittable> original) {
            this.original = original;
        }

        @Override
        public KafkaCommittable getCommittable() {
            return original.getCommittable();
        }

        @Override
        public int getNumberOfRetries() {
            return original.getNumberOfRetries();
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            knownFailure = t;
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            original.signalFailedWithUnknownReason(t);
        }

        @Override
        public void retryLater() {
            original.retryLater();
        }

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {
            original.updateAndRetryLater(committable);
        }

        @Override
        public void signalAlreadyCommitted() {
            original.signalAlreadyCommitted();
        }

        @Override
        public String toString() {
            return original.toString();
        }
    }
}

package io.exactlyonce.sinks.jdbc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles, at writer start, the prepared transactions an earlier execution of this sink left.
 *
 * <p>A transaction's id carries the first checkpoint that can carry it (the last one its writer
 * snapshotted, plus one), and the writer prepares it at the next barrier it sees. A restored
 * checkpoint N completed, so the writer saw barrier N: every transaction named at or below N was
 * prepared at a barrier at or below N, and its id is in checkpoint N's committables. So, restored
 * from N, a subtask commits every prepared transaction of its prefixes at or below N and rolls
 * back every one above N (no completed checkpoint carries it; its rows are replayed). Started
 * without a checkpoint, nothing prepared can be committed any more: everything is rolled back.
 * After rescaling, old subtask {@code s} is settled by new subtask {@code s mod parallelism}.
 * The committer's later commit of the same ids then meets XAER_NOTA and their commit markers.
 */
final class PreparedTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedTransactions.class);

    private PreparedTransactions() {}

    /**
     * What one subtask settled. {@code stuck} were listed but answered XAER_NOTA: the session
     * that prepared them is still alive on the server.
     */
    record Settled(List<SinkXid> committed, List<SinkXid> rolledBack, List<SinkXid> stuck) {}

    /** Every prepared transaction in the database that this project's sinks named. */
    static List<SinkXid> recover(XAResource resource) throws XAException {
        return Arrays.stream(resource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                .map(SinkXid::parse)
                .flatMap(Optional::stream)
                .collect(Collectors.toList());
    }

    static Settled settle(
            XAResource resource,
            Set<String> prefixes,
            int subtask,
            int parallelism,
            OptionalLong restoredCheckpointId)
            throws XAException {
        Settled settled = new Settled(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (SinkXid xid : recover(resource)) {
            if (!prefixes.contains(xid.prefix()) || xid.subtask() % parallelism != subtask) {
                continue;
            }
            boolean carriedByCompletedCheckpoint =
                    restoredCheckpointId.isPresent()
                            && xid.checkpointId() <= restoredCheckpointId.getAsLong();
            try {
                if (carriedByCompletedCheckpoint) {
                    resource.commit(xid, false);
                    settled.committed().add(xid);
                    LOG.info("committed prepared transaction {} of a completed checkpoint", xid);
                } else {
                    resource.rollback(xid);
                    settled.rolledBack().add(xid);
                    LOG.info("rolled back abandoned prepared transaction {}", xid);
                }
            } catch (XAException e) {
                if (e.errorCode != XAException.XAER_NOTA) {
                    throw e;
                }
                // Finished meanwhile by another session (a committer), or still attached to the
                // live session that prepared it: only the second is left prepared.
                if (recover(resource).contains(xid)) {
                    settled.stuck().add(xid);
                }
            }
        }
        return settled;
    }
}

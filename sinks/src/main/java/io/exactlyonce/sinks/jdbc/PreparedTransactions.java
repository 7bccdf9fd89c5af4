package io.exactlyonce.sinks.jdbc;

import java.time.Duration;
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
 * from N, a subtask commits every prepared transaction of its prefixes at or below N and rolls back
 * every one above N (no completed checkpoint carries it; its rows are replayed). Started without a
 * checkpoint, nothing prepared can be committed any more: everything is rolled back. After
 * rescaling, old subtask {@code s} is settled by new subtask {@code s mod parallelism}. The
 * committer's later commit of the same ids then meets XAER_NOTA and their commit markers.
 */
final class PreparedTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedTransactions.class);

    private PreparedTransactions() {}

    /**
     * What one subtask settled. {@code stuck} were listed but answered XAER_NOTA: the session that
     * prepared them is still alive on the server.
     */
    record Settled(List<SinkXid> committed, List<SinkXid> rolledBack, List<SinkXid> stuck) {}

    /** Every prepared transaction in the database that this project's sinks named. */
    static List<SinkXid> recover(XAResource resource) throws XAException {
        return Arrays.stream(resource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                .map(SinkXid::parse)
                .flatMap(Optional::stream)
                .collect(Collectors.toList());
    }

    /**
     * Looks at an id that is listed but answers XAER_NOTA before calling it stuck. After a rescale
     * the committer holding a restored id need not be its owner, and may be committing it right
     * then; that takes milliseconds, a session left alive on the server takes hours.
     */
    static final int LOOKS_WHILE_LISTED = 5;

    private static final Duration PAUSE_WHILE_LISTED = Duration.ofMillis(200);

    static Settled settle(
            XAResource resource,
            Set<String> prefixes,
            int subtask,
            int parallelism,
            OptionalLong restoredCheckpointId)
            throws XAException {
        return settle(
                resource,
                prefixes,
                subtask,
                parallelism,
                restoredCheckpointId,
                duration -> Thread.sleep(duration.toMillis()));
    }

    static Settled settle(
            XAResource resource,
            Set<String> prefixes,
            int subtask,
            int parallelism,
            OptionalLong restoredCheckpointId,
            XaCommitter.Pause pause)
            throws XAException {
        Settled settled = new Settled(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (SinkXid xid : recover(resource)) {
            if (!prefixes.contains(xid.prefix()) || xid.subtask() % parallelism != subtask) {
                continue;
            }
            boolean carriedByCompletedCheckpoint =
                    restoredCheckpointId.isPresent()
                            && xid.checkpointId() <= restoredCheckpointId.getAsLong();
            for (int look = 1; ; look++) {
                try {
                    if (carriedByCompletedCheckpoint) {
                        resource.commit(xid, false);
                        settled.committed().add(xid);
                        LOG.info(
                                "committed prepared transaction {} of a completed checkpoint", xid);
                    } else {
                        resource.rollback(xid);
                        settled.rolledBack().add(xid);
                        LOG.info("rolled back abandoned prepared transaction {}", xid);
                    }
                    break;
                } catch (XAException e) {
                    if (e.errorCode != XAException.XAER_NOTA) {
                        throw e;
                    }
                }
                // Finished meanwhile by another session (a committer), being finished by one
                // right now, or attached to the live session that prepared it.
                if (!recover(resource).contains(xid)) {
                    break;
                }
                if (look == LOOKS_WHILE_LISTED) {
                    settled.stuck().add(xid);
                    break;
                }
                LOG.info(
                        "{} is listed but answers XAER_NOTA, look {} of {}",
                        xid,
                        look,
                        LOOKS_WHILE_LISTED);
                try {
                    pause.pause(PAUSE_WHILE_LISTED);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    settled.stuck().add(xid);
                    break;
                }
            }
        }
        return settled;
    }
}

package io.exactlyonce.sinks.jdbc;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and rolls back the prepared transactions a failed execution of this sink left behind.
 *
 * <p>Restored from checkpoint N, a subtask rolls back every prepared transaction of its prefixes
 * above N that it is responsible for; those at or below N belong to completed checkpoints and
 * the committer commits them. Started without a checkpoint, nothing prepared can be committed
 * any more, so everything of the prefix is rolled back. After rescaling, old subtask {@code s}
 * is cleaned by new subtask {@code s mod parallelism}.
 */
final class PreparedTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedTransactions.class);

    private PreparedTransactions() {}

    /** Every prepared transaction in the database that this project's sinks named. */
    static List<SinkXid> recover(XAResource resource) throws XAException {
        return Arrays.stream(resource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                .map(SinkXid::parse)
                .flatMap(java.util.Optional::stream)
                .collect(Collectors.toList());
    }

    static int rollBackAbandoned(
            XAResource resource,
            Set<String> prefixes,
            int subtask,
            int parallelism,
            OptionalLong restoredCheckpointId)
            throws XAException {
        int rolledBack = 0;
        for (SinkXid xid : recover(resource)) {
            boolean mine = prefixes.contains(xid.prefix()) && xid.subtask() % parallelism == subtask;
            boolean abandoned =
                    restoredCheckpointId.isEmpty()
                            || xid.checkpointId() > restoredCheckpointId.getAsLong();
            if (mine && abandoned) {
                try {
                    resource.rollback(xid);
                    rolledBack++;
                    LOG.info("rolled back abandoned prepared transaction {}", xid);
                } catch (XAException e) {
                    if (e.errorCode != XAException.XAER_NOTA) {
                        throw e;
                    }
                    // Gone meanwhile, or still attached to a dying session; either way not ours
                    // to commit. A later recovery will see it again if it was ever prepared.
                    LOG.warn("could not roll back {} ({}), leaving it", xid, e.errorCode);
                }
            }
        }
        return rolledBack;
    }
}

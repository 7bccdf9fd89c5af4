package io.exactlyonce.sinks;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a committer found out about the transactions it could not simply commit, as counters in the
 * committer's metric group and one log line each under this class's logger, the same for every sink
 * of this module.
 *
 * <p>Flink's own {@code failedCommittables} rises both when a restored checkpoint's transaction is
 * committed a second time (harmless) and when a transaction's output is gone, so an operator cannot
 * tell recovery from loss by it. These counters can: {@value #RECOMMITS} is the harmless case,
 * {@value #LOST} and {@value #UNKNOWN} are the ones to alert on.
 */
public final class CommitOutcomes {

    /** A transaction committed before (the usual re-commit after a restore): nothing lost. */
    public static final String RECOMMITS = "recommitsOfCommittedTransactions";

    /** A transaction of a completed checkpoint that the external system aborted or lost. */
    public static final String LOST = "commitsLost";

    /** A transaction whose outcome the committer cannot determine: check by hand. */
    public static final String UNKNOWN = "commitOutcomeUnknown";

    private static final Logger LOG = LoggerFactory.getLogger(CommitOutcomes.class);

    private final String sinkName;
    private final Counter recommits;
    private final Counter lost;
    private final Counter unknown;

    public CommitOutcomes(String sinkName, MetricGroup committerMetrics) {
        this.sinkName = sinkName;
        this.recommits = committerMetrics.counter(RECOMMITS);
        this.lost = committerMetrics.counter(LOST);
        this.unknown = committerMetrics.counter(UNKNOWN);
    }

    /** {@code transaction} had been committed before; {@code how} says how that is known. */
    public void recommitted(Object transaction, String how) {
        recommits.inc();
        LOG.info(
                "{}: {} was committed before ({}): a re-commit after a restore, nothing lost",
                sinkName,
                transaction,
                how);
    }

    /** {@code message} names the sink and the transaction, and what the operator does. */
    public void lost(String message, Throwable cause) {
        lost.inc();
        LOG.error("Output lost: {}", message, cause);
    }

    public void unknown(String message, Throwable cause) {
        unknown.inc();
        LOG.error("Commit outcome unknown: {}", message, cause);
    }
}

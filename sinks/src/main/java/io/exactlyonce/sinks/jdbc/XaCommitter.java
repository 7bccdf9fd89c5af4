package io.exactlyonce.sinks.jdbc;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import javax.transaction.xa.XAException;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits prepared transactions once their checkpoint completed, and again after a recovery for
 * the committables restored from the last completed checkpoint.
 */
final class XaCommitter implements Committer<SinkXid> {

    private static final Logger LOG = LoggerFactory.getLogger(XaCommitter.class);
    /** Commits the latency histogram remembers. */
    private static final int HISTOGRAM_WINDOW = 500;

    private final JdbcSinkSettings settings;
    private final Counter committed;
    private final Counter assumedCommitted;
    private final Histogram commitMillis;
    private final CommitSession.Opener opener;
    private final Pause pause;
    private CommitSession session;

    /** Waits between commit attempts; tests pass one that only records. */
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    XaCommitter(
            JdbcSinkSettings settings,
            MetricGroup metrics,
            CommitSession.Opener opener,
            Pause pause) {
        this.settings = settings;
        this.opener = opener;
        this.pause = pause;
        this.committed = metrics.counter("xaTransactionsCommitted");
        this.assumedCommitted = metrics.counter("xaTransactionsAssumedCommitted");
        this.commitMillis = metrics.histogram(
                "xaCommitMillis", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void commit(Collection<CommitRequest<SinkXid>> requests) {
        for (CommitRequest<SinkXid> request : requests) {
            SinkXid xid = request.getCommittable();
            try {
                long started = System.nanoTime();
                session().xaResource().commit(xid, false);
                commitMillis.update((System.nanoTime() - started) / 1_000_000);
                committed.inc();
            } catch (XAException e) {
                handle(request, xid, e);
            } catch (SQLException e) {
                LOG.warn("{}: cannot reach the database to commit {}, retrying", settings.name(), xid, e);
                reconnect();
                request.retryLater();
            }
        }
    }

    private void handle(CommitRequest<SinkXid> request, SinkXid xid, XAException e) {
        switch (e.errorCode) {
            case XAException.XAER_NOTA:
                // The database does not know the id: a commit before a crash already went
                // through (the normal case when a recovery commits again). It cannot be told
                // apart from a transaction rolled back behind the sink's back, so it is counted
                // and logged for the verifier and for alerting.
                assumedCommitted.inc();
                LOG.warn("{}: {} is unknown to the database, taken as committed earlier",
                        settings.name(), xid);
                request.signalAlreadyCommitted();
                break;
            case XAException.XAER_RMFAIL:
            case XAException.XA_RETRY:
                LOG.warn("{}: database unavailable committing {}, retrying", settings.name(), xid, e);
                reconnect();
                request.retryLater();
                break;
            default:
                if (e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND) {
                    request.signalFailedWithKnownReason(
                            new IllegalStateException(
                                    settings.name() + ": the database rolled back prepared " + xid
                                            + " (XA error " + e.errorCode + "): its rows are lost",
                                    e));
                } else {
                    reconnect();
                    request.signalFailedWithUnknownReason(e);
                }
        }
    }

    private CommitSession session() throws SQLException {
        if (session == null) {
            session = opener.open();
        }
        return session;
    }

    private void reconnect() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    @Override
    public void close() {
        reconnect();
    }
}

package io.exactlyonce.sinks.jdbc;

import io.exactlyonce.sinks.CommitOutcomes;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.transaction.xa.XAException;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits prepared transactions once their checkpoint completed, and again after a recovery for the
 * committables restored from the last completed checkpoint.
 *
 * <p>It never assumes. {@code XAER_NOTA} at {@code XA COMMIT} is looked up: an id that {@code XA
 * RECOVER} still lists is attached to the live session that prepared it and is retried, a few times
 * with pauses, then fails the job with what a DBA does; an id no longer listed committed earlier if
 * its commit marker exists, otherwise its rows are gone and the job fails (or, below the marker
 * cleanup horizon, the job fails unable to tell). A rollback by the database ({@code XA_RB*}) fails
 * the job too: Flink 2.2.1 drops a failure with a known reason without a word.
 */
final class XaCommitter implements Committer<SinkXid> {

    private static final Logger LOG = LoggerFactory.getLogger(XaCommitter.class);

    /** Commits the latency histogram remembers. */
    private static final int HISTOGRAM_WINDOW = 500;

    /**
     * Commit attempts on an id still prepared in another session. Below Flink's default {@code
     * sink.committer.retries} (10), so this committer's message ends the retries, not Flink's
     * generic one.
     */
    static final int ATTEMPTS_WHILE_PREPARED_ELSEWHERE = 8;

    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    private final JdbcSinkSettings settings;
    private final Counter committed;
    private final CommitOutcomes outcomes;
    private final Counter rolledBackByDatabase;
    private final Histogram commitMillis;
    private final CommitSession.Opener opener;
    private final Pause pause;

    /** Per id still prepared in another session: the commit attempts that met it so. */
    private final Map<SinkXid, Integer> attemptsWhilePreparedElsewhere = new HashMap<>();

    private CommitSession session;

    /** See {@link #countLeftPrepared}; -1 until known. */
    private volatile long leftPrepared = -1;

    /** Waits between commit attempts; tests pass one that only records. */
    interface Pause {
        /** The production pause: the committer's thread waits out the backoff. */
        Pause SLEEP = duration -> Thread.sleep(duration.toMillis());

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
        this.outcomes = new CommitOutcomes(settings.name(), metrics);
        this.rolledBackByDatabase = metrics.counter("xaTransactionsRolledBackByDatabase");
        metrics.gauge("xaTransactionsLeftPrepared", (Gauge<Long>) () -> leftPrepared);
        this.commitMillis =
                metrics.histogram(
                        "xaCommitMillis", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    @Override
    public void commit(Collection<CommitRequest<SinkXid>> requests) throws InterruptedException {
        int mostAttemptsWhilePrepared = 0;
        long highestCommitted = -1;
        Set<Integer> subtasks = new HashSet<>();
        for (CommitRequest<SinkXid> request : requests) {
            SinkXid xid = request.getCommittable();
            try {
                long started = System.nanoTime();
                session().xaResource().commit(xid, false);
                commitMillis.update((System.nanoTime() - started) / 1_000_000);
                committed.inc();
                attemptsWhilePreparedElsewhere.remove(xid);
                highestCommitted = Math.max(highestCommitted, xid.checkpointId());
                subtasks.add(xid.subtask());
            } catch (XAException e) {
                mostAttemptsWhilePrepared =
                        Math.max(mostAttemptsWhilePrepared, handle(request, xid, e));
            } catch (SQLException e) {
                LOG.warn(
                        "{}: cannot reach the database to commit {}, retrying",
                        settings.name(),
                        xid,
                        e);
                reconnect();
                request.retryLater();
            }
        }
        if (highestCommitted >= 0) {
            countLeftPrepared(highestCommitted, subtasks);
        }
        if (mostAttemptsWhilePrepared > 0) {
            // Flink calls again right away; give the preparing session time to go.
            pause.pause(pauseAfter(mostAttemptsWhilePrepared));
        }
    }

    /**
     * Transactions of this sink's prefix and of the subtasks just committed that are still prepared
     * at or below the checkpoint just committed: every one of them should have been committed by
     * now or rolled back at the last restore, so each is left behind, holding row locks, its rows
     * invisible (e.g. the prefix was changed, or another job shares it).
     */
    private void countLeftPrepared(long committedCheckpoint, Set<Integer> subtasks) {
        try {
            leftPrepared =
                    PreparedTransactions.recover(session().xaResource()).stream()
                            .filter(
                                    xid ->
                                            xid.prefix().equals(settings.xidPrefix())
                                                    && subtasks.contains(xid.subtask())
                                                    && xid.checkpointId() <= committedCheckpoint)
                            .count();
        } catch (XAException | SQLException e) {
            LOG.warn("{}: cannot list prepared transactions (XA RECOVER)", settings.name(), e);
        }
    }

    /** Returns the attempts so far if the id is left prepared in another session, else 0. */
    private int handle(CommitRequest<SinkXid> request, SinkXid xid, XAException e) {
        switch (e.errorCode) {
            case XAException.XAER_NOTA:
                return decideUnknown(request, xid);
            case XAException.XAER_RMFAIL:
            case XAException.XA_RETRY:
                LOG.warn(
                        "{}: database unavailable committing {}, retrying",
                        settings.name(),
                        xid,
                        e);
                reconnect();
                request.retryLater();
                return 0;
            default:
                if (e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND) {
                    // Unknown reason on purpose: Flink fails the job on it, and silently drops a
                    // failure with a known reason.
                    rolledBackByDatabase.inc();
                    String message =
                            settings.name()
                                    + ": the database rolled back prepared "
                                    + xid
                                    + " at XA COMMIT (XA error "
                                    + e.errorCode
                                    + "): its rows are lost. The job fails, and keeps failing: the"
                                    + " automatic restart restores the latest checkpoint, which carries"
                                    + " this id again. A manual restore from an earlier checkpoint would"
                                    + " rewrite that interval for every subtask and duplicate the rows"
                                    + " the other subtasks committed. Find out why the database rolled"
                                    + " it back; to accept the loss and let the job run on, insert its"
                                    + " commit marker by hand ("
                                    + markerInsert(xid)
                                    + ") and restart:"
                                    + " the committer then takes it as committed. The interval's rows"
                                    + " of subtask "
                                    + xid.subtask()
                                    + " stay missing until repaired"
                                    + " from the source.";
                    outcomes.lost(message, e);
                    request.signalFailedWithUnknownReason(new IllegalStateException(message, e));
                } else {
                    reconnect();
                    request.signalFailedWithUnknownReason(e);
                }
                return 0;
        }
    }

    /** XAER_NOTA: still prepared elsewhere, committed earlier, or gone. Looks, never assumes. */
    private int decideUnknown(CommitRequest<SinkXid> request, SinkXid xid) {
        try {
            if (PreparedTransactions.recover(session().xaResource()).contains(xid)) {
                return stillPreparedElsewhere(request, xid);
            }
            attemptsWhilePreparedElsewhere.remove(xid);
            if (session().hasCommitMarker(xid)) {
                outcomes.recommitted(xid, "its commit marker exists");
                request.signalAlreadyCommitted();
                return 0;
            }
        } catch (XAException | SQLException e) {
            LOG.warn("{}: cannot look up unknown {}, retrying", settings.name(), xid, e);
            reconnect();
            request.retryLater();
            return 0;
        }
        boolean cannotTell;
        try {
            cannotTell =
                    CommitMarkerTable.mayHaveBeenCleanedUp(
                            xid.checkpointId(),
                            session().newestCommitMarkerCheckpoint(xid.prefix()),
                            settings.commitMarkerRetention());
        } catch (SQLException e) {
            LOG.warn(
                    "{}: cannot look up the marker horizon for {}, retrying",
                    settings.name(),
                    xid,
                    e);
            reconnect();
            request.retryLater();
            return 0;
        }
        String message;
        if (cannotTell) {
            message = cannotTell(xid);
            outcomes.unknown(message, null);
        } else {
            message =
                    settings.name()
                            + ": "
                            + xid
                            + " is neither prepared (XA RECOVER) nor"
                            + " marked committed in "
                            + settings.commitMarkerTable()
                            + ": the"
                            + " database rolled it back or lost it, and its rows are lost. The"
                            + " job fails. To accept the loss, insert its marker by hand ("
                            + markerInsert(xid)
                            + ") and restart.";
            outcomes.lost(message, null);
        }
        request.signalFailedWithUnknownReason(new IllegalStateException(message));
        return 0;
    }

    private String cannotTell(SinkXid xid) {
        return settings.name()
                + ": "
                + xid
                + " is neither prepared (XA RECOVER) nor marked"
                + " committed in "
                + settings.commitMarkerTable()
                + ", and the job"
                + " cannot tell whether committed: its marker may have been cleaned up; markers"
                + " are kept "
                + settings.commitMarkerRetention()
                + " checkpoints, and a later"
                + " checkpoint's transaction has committed (a restore from a checkpoint or"
                + " savepoint older than that). The job fails. If the restored checkpoint's"
                + " output is in the table, insert the marker by hand ("
                + markerInsert(xid)
                + ") and restart; then raise jdbc.commit-marker-retention above the age of the"
                + " savepoints you may restore.";
    }

    private String markerInsert(SinkXid xid) {
        return "INSERT INTO "
                + settings.commitMarkerTable()
                + " (xid_prefix, subtask, checkpoint_id, attempt) VALUES ('"
                + xid.prefix()
                + "', "
                + xid.subtask()
                + ", "
                + xid.checkpointId()
                + ", "
                + xid.attempt()
                + ")";
    }

    private int stillPreparedElsewhere(CommitRequest<SinkXid> request, SinkXid xid) {
        int attempts = attemptsWhilePreparedElsewhere.merge(xid, 1, Integer::sum);
        if (attempts < ATTEMPTS_WHILE_PREPARED_ELSEWHERE) {
            LOG.warn(
                    "{}: {} is still prepared but attached to the session that prepared it"
                            + " (XAER_NOTA), attempt {} of {}",
                    settings.name(),
                    xid,
                    attempts,
                    ATTEMPTS_WHILE_PREPARED_ELSEWHERE);
            request.retryLater();
            return attempts;
        }
        attemptsWhilePreparedElsewhere.remove(xid);
        String message =
                settings.name()
                        + ": "
                        + xid
                        + " is still prepared on the server, but"
                        + " XA COMMIT from another session answered XAER_NOTA "
                        + attempts
                        + " times: the session that prepared it is still alive on the server (e.g. its"
                        + " disconnect never reached the server; it stays until wait_timeout). A DBA"
                        + " finds that session (SHOW PROCESSLIST) and KILLs it, after which the job's"
                        + " next commit succeeds, or runs XA COMMIT '"
                        + xid
                        + "','0',"
                        + SinkXid.FORMAT_ID
                        + " by hand once it is gone. The job fails until then.";
        LOG.error(message);
        request.signalFailedWithUnknownReason(new IllegalStateException(message));
        return 0;
    }

    private static Duration pauseAfter(int attempts) {
        Duration pause = FIRST_PAUSE.multipliedBy(1L << Math.min(attempts - 1, 10));
        return pause.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause;
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

package io.exactlyonce.sinks.jdbc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A fake of MySQL/MariaDB's XA side for unit tests: prepared transactions, their commit markers,
 * and the two server behaviours the sink must decide on. A transaction "attached" to a live session
 * is listed by XA RECOVER but answers XAER_NOTA to a commit or rollback from another session
 * (MariaDB while the preparing session is alive); a commit that fails with a given XA error leaves
 * the transaction rolled back (the database decided).
 */
final class FakeXaDatabase implements XAResource {

    private final Set<Xid> prepared = new LinkedHashSet<>();
    private final Set<Xid> attachedToLiveSession = new HashSet<>();
    private final Map<Xid, Integer> commitErrors = new HashMap<>();
    final Set<SinkXid> markers = new HashSet<>();
    final List<Xid> committed = new ArrayList<>();
    final List<Xid> rolledBack = new ArrayList<>();
    private SinkXid racing;
    private boolean answeredNotaWhileRacing;

    /** A transaction the writer prepared; its marker commits with it. */
    FakeXaDatabase prepared(Xid xid) {
        prepared.add(xid);
        return this;
    }

    /** Keeps a prepared transaction attached to the (live) session that prepared it. */
    FakeXaDatabase attach(Xid xid) {
        attachedToLiveSession.add(xid);
        return this;
    }

    FakeXaDatabase detach(Xid xid) {
        attachedToLiveSession.remove(xid);
        return this;
    }

    FakeXaDatabase failCommit(Xid xid, int xaError) {
        commitErrors.put(xid, xaError);
        return this;
    }

    /** A transaction that committed earlier: gone from XA RECOVER, marker written. */
    FakeXaDatabase committedEarlier(SinkXid xid) {
        markers.add(xid);
        return this;
    }

    /**
     * Another session (a committer of another subtask) is committing {@code xid} right now: the
     * first commit or rollback of it here answers XAER_NOTA while the id stays listed, and the
     * other session's commit lands after the next look at XA RECOVER.
     */
    FakeXaDatabase committedByAnotherSessionAfterOneNota(SinkXid xid) {
        prepared(xid);
        racing = xid;
        return this;
    }

    /** Answers XAER_NOTA once for the id another session is committing. */
    private void raceOn(Xid xid) throws XAException {
        if (xid.equals(racing) && !answeredNotaWhileRacing) {
            answeredNotaWhileRacing = true;
            throw new XAException(XAException.XAER_NOTA);
        }
    }

    Set<Xid> stillPrepared() {
        return Set.copyOf(prepared);
    }

    CommitSession session() {
        return new CommitSession() {
            @Override
            public XAResource xaResource() {
                return FakeXaDatabase.this;
            }

            @Override
            public boolean hasCommitMarker(SinkXid xid) {
                return markers.contains(xid);
            }

            @Override
            public OptionalLong newestCommitMarkerCheckpoint(String prefix) {
                return markers.stream()
                        .filter(marker -> marker.prefix().equals(prefix))
                        .mapToLong(SinkXid::checkpointId)
                        .max();
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        raceOn(xid);
        if (!prepared.contains(xid) || attachedToLiveSession.contains(xid)) {
            throw new XAException(XAException.XAER_NOTA);
        }
        Integer error = commitErrors.get(xid);
        prepared.remove(xid);
        if (error != null) {
            rolledBack.add(xid);
            throw new XAException(error);
        }
        committed.add(xid);
        SinkXid.parse(xid).ifPresent(markers::add);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        raceOn(xid);
        if (!prepared.contains(xid) || attachedToLiveSession.contains(xid)) {
            throw new XAException(XAException.XAER_NOTA);
        }
        prepared.remove(xid);
        rolledBack.add(xid);
    }

    @Override
    public Xid[] recover(int flag) {
        Xid[] listed = prepared.toArray(new Xid[0]);
        if (answeredNotaWhileRacing && prepared.remove(racing)) {
            // The other session's commit completes right after this look.
            committed.add(racing);
            markers.add(racing);
        }
        return listed;
    }

    @Override
    public void end(Xid xid, int flags) {
        throw new UnsupportedOperationException("the fake holds prepared transactions only");
    }

    @Override
    public void start(Xid xid, int flags) {
        throw new UnsupportedOperationException("the fake holds prepared transactions only");
    }

    @Override
    public int prepare(Xid xid) {
        throw new UnsupportedOperationException("use prepared(Xid) of the fake");
    }

    @Override
    public void forget(Xid xid) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int getTransactionTimeout() {
        return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        return false;
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }
}

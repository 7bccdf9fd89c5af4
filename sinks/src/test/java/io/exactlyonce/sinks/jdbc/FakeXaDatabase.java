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
 * and the two server behaviours the sink must decide on. A transaction "attached" to a live
 * session is listed by XA RECOVER but answers XAER_NOTA to a commit or rollback from another
 * session (MariaDB while the preparing session is alive); a commit that fails with a given XA
 * error leaves the transaction rolled back (the database decided).
 */
final class FakeXaDatabase implements XAResource {

    private final Set<Xid> prepared = new LinkedHashSet<>();
    private final Set<Xid> attachedToLiveSession = new HashSet<>();
    private final Map<Xid, Integer> commitErrors = new HashMap<>();
    final Set<SinkXid> markers = new HashSet<>();
    final List<Xid> committed = new ArrayList<>();
    final List<Xid> rolledBack = new ArrayList<>();

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
     * A view of this database in which another session (a committer of another subtask) is
     * committing {@code xid} right now: the first commit or rollback of it through the view
     * answers XAER_NOTA while the id stays listed, and the other session's commit lands then.
     */
    CommitsAfterOneNota committedByAnotherSessionAfterOneNota(SinkXid xid) {
        prepared(xid);
        return new CommitsAfterOneNota(xid);
    }

    final class CommitsAfterOneNota extends DelegatingResource {
        private final SinkXid racing;
        private boolean answeredNota;

        private CommitsAfterOneNota(SinkXid racing) {
            this.racing = racing;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            raceOn(xid);
            FakeXaDatabase.this.commit(xid, onePhase);
        }

        @Override
        public void rollback(Xid xid) throws XAException {
            raceOn(xid);
            FakeXaDatabase.this.rollback(xid);
        }

        @Override
        public Xid[] recover(int flag) {
            Xid[] listed = FakeXaDatabase.this.recover(flag);
            if (answeredNota && prepared.contains(racing)) {
                // The other session's commit completes after our first look at the list.
                try {
                    FakeXaDatabase.this.commit(racing, false);
                } catch (XAException e) {
                    throw new AssertionError(e);
                }
            }
            return listed;
        }

        private void raceOn(Xid xid) throws XAException {
            if (racing.equals(xid) && !answeredNota) {
                answeredNota = true;
                throw new XAException(XAException.XAER_NOTA);
            }
        }
    }

    /** Everything but commit, rollback and recover goes to the database. */
    private abstract class DelegatingResource implements XAResource {
        @Override
        public void end(Xid xid, int flags) {
            FakeXaDatabase.this.end(xid, flags);
        }

        @Override
        public void start(Xid xid, int flags) {
            FakeXaDatabase.this.start(xid, flags);
        }

        @Override
        public int prepare(Xid xid) {
            return FakeXaDatabase.this.prepare(xid);
        }

        @Override
        public void forget(Xid xid) {
            FakeXaDatabase.this.forget(xid);
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
        if (!prepared.contains(xid) || attachedToLiveSession.contains(xid)) {
            throw new XAException(XAException.XAER_NOTA);
        }
        prepared.remove(xid);
        rolledBack.add(xid);
    }

    @Override
    public Xid[] recover(int flag) {
        return prepared.toArray(new Xid[0]);
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

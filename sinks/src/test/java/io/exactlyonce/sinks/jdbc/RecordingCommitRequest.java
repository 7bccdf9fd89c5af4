package io.exactlyonce.sinks.jdbc;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;

/**
 * A fake commit request that records what the committer signalled. Like Flink 2.2.1's own
 * implementation, an unknown-reason failure throws (that is what fails the job) and a known-reason
 * failure does not.
 */
final class RecordingCommitRequest implements CommitRequest<SinkXid> {

    private final SinkXid xid;
    int retries;
    boolean alreadyCommitted;
    final List<Throwable> knownFailures = new ArrayList<>();
    final List<Throwable> unknownFailures = new ArrayList<>();

    RecordingCommitRequest(SinkXid xid) {
        this.xid = xid;
    }

    @Override
    public SinkXid getCommittable() {
        return xid;
    }

    @Override
    public int getNumberOfRetries() {
        return retries;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
        knownFailures.add(t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
        unknownFailures.add(t);
        throw new IllegalStateException("Failed to commit " + xid, t);
    }

    @Override
    public void retryLater() {
        retries++;
    }

    @Override
    public void updateAndRetryLater(SinkXid committable) {
        throw new UnsupportedOperationException("the XA committer never changes its committable");
    }

    @Override
    public void signalAlreadyCommitted() {
        alreadyCommitted = true;
    }

    /** Whether the committer left it unresolved for Flink to call again. */
    boolean awaitsRetry() {
        return retries > 0
                && !alreadyCommitted
                && unknownFailures.isEmpty()
                && knownFailures.isEmpty();
    }
}

package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.Test;

/** The commit decision, against a fake database and a fake commit request. */
class XaCommitterTest {

    private static final SinkXid XID = new SinkXid("counts", 1, 7L, 0);

    private final FakeXaDatabase database = new FakeXaDatabase();
    private final RecordingMetricGroup metrics = new RecordingMetricGroup();
    private final List<Duration> pauses = new ArrayList<>();
    private final XaCommitter committer =
            new XaCommitter(
                    JdbcSinkSettings.builder("counts")
                            .jdbcUrl("jdbc:mysql://localhost/test")
                            .username("job")
                            .xidPrefix("counts")
                            .build(),
                    metrics,
                    database::session,
                    pauses::add);

    @Test
    void commitsAPreparedTransaction() throws Exception {
        database.prepared(XID);
        RecordingCommitRequest request = commit(XID);

        assertThat(database.committed).containsExactly(XID);
        assertThat(request.retries).isZero();
        assertThat(request.alreadyCommitted).isFalse();
        assertThat(metrics.count("xaTransactionsCommitted")).isEqualTo(1);
    }

    @Test
    void countsTransactionsLeftPreparedAtOrBelowTheCommittedCheckpoint() throws Exception {
        SinkXid leftBehind = new SinkXid("counts", XID.subtask(), XID.checkpointId() - 2, 0);
        SinkXid otherSubtask = new SinkXid("counts", XID.subtask() + 1, XID.checkpointId() - 2, 0);
        SinkXid otherPrefix = new SinkXid("other", XID.subtask(), XID.checkpointId() - 2, 0);
        SinkXid next = new SinkXid("counts", XID.subtask(), XID.checkpointId() + 1, 0);
        database.prepared(leftBehind)
                .prepared(otherSubtask)
                .prepared(otherPrefix)
                .prepared(next)
                .prepared(XID);
        assertThat(metrics.gaugeValue("xaTransactionsLeftPrepared")).isEqualTo(-1L);

        commit(XID);

        assertThat(metrics.gaugeValue("xaTransactionsLeftPrepared")).isEqualTo(1L);
        database.rollback(leftBehind);
        database.prepared(new SinkXid("counts", XID.subtask(), XID.checkpointId() + 2, 0));
        commit(next);
        assertThat(metrics.gaugeValue("xaTransactionsLeftPrepared")).isEqualTo(0L);
    }

    @Test
    void anIdStillPreparedInAnotherSessionIsRetriedNotTakenAsCommitted() throws Exception {
        database.prepared(XID).attach(XID);

        RecordingCommitRequest request = commit(XID);

        assertThat(request.alreadyCommitted)
                .as("XAER_NOTA while XA RECOVER still lists the id is not a commit")
                .isFalse();
        assertThat(request.awaitsRetry()).as("left for a later attempt").isTrue();
        assertThat(database.stillPrepared()).containsExactly(XID);
    }

    @Test
    void anIdStillPreparedIsCommittedOnceThePreparingSessionIsGone() throws Exception {
        database.prepared(XID).attach(XID);
        RecordingCommitRequest request = new RecordingCommitRequest(XID);
        committer.commit(List.of(request));
        database.detach(XID);

        committer.commit(List.of(request));

        assertThat(database.committed).containsExactly(XID);
        assertThat(request.alreadyCommitted).isFalse();
        assertThat(request.unknownFailures).isEmpty();
        assertThat(pauses).as("waited before the retry").isNotEmpty();
    }

    @Test
    void anIdPreparedInALiveSessionFailsLoudlyOnceTheRetryBudgetIsSpent() throws Exception {
        database.prepared(XID).attach(XID);
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(
                        () -> {
                            for (int call = 0; call < 100; call++) {
                                committer.commit(List.of(request));
                            }
                        })
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.unknownFailures).hasSize(1);
        assertThat(request.unknownFailures.get(0).getMessage())
                .contains(XID.toString())
                .contains("still prepared")
                .contains("KILL")
                .contains("XA COMMIT");
        assertThat(request.retries)
                .as("fewer retries than Flink's default sink.committer.retries (10)")
                .isLessThan(10);
        assertThat(database.stillPrepared()).containsExactly(XID);
    }

    @Test
    void anUnknownIdWithItsCommitMarkerWasCommittedEarlier() throws Exception {
        database.committedEarlier(XID);

        RecordingCommitRequest request = commit(XID);

        assertThat(request.alreadyCommitted).isTrue();
        assertThat(metrics.count("recommitsOfCommittedTransactions")).isEqualTo(1);
        assertThat(metrics.count("commitsLost")).isZero();
    }

    @Test
    void anUnknownIdWithoutCommitMarkerFailsTheJob() throws Exception {
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(() -> committer.commit(List.of(request)))
                .as("neither prepared nor committed: the rows are gone")
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.alreadyCommitted).isFalse();
        assertThat(request.unknownFailures).hasSize(1);
        assertThat(request.unknownFailures.get(0).getMessage())
                .contains(XID.toString())
                .contains("lost");
        assertThat(metrics.count("commitsLost")).isEqualTo(1);
        assertThat(metrics.count("recommitsOfCommittedTransactions")).isZero();
    }

    /**
     * A restore from a savepoint older than the marker retention: the id's marker may have been
     * deleted by the writer of a later checkpoint. The job fails, but it must not claim the rows
     * are lost when they may well be committed.
     */
    @Test
    void anUnknownIdOlderThanTheMarkerCleanupHorizonCannotBeTold() throws Exception {
        XaCommitter shortRetention =
                new XaCommitter(
                        JdbcSinkSettings.builder("counts")
                                .jdbcUrl("jdbc:mysql://localhost/test")
                                .username("job")
                                .xidPrefix("counts")
                                .commitMarkerRetention(3)
                                .build(),
                        metrics,
                        database::session,
                        pauses::add);
        database.committedEarlier(new SinkXid("counts", 0, XID.checkpointId() + 3, 0));
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(() -> shortRetention.commit(List.of(request)))
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.unknownFailures.get(0).getMessage())
                .contains(XID.toString())
                .contains("cannot tell whether committed")
                .contains("marker may have been cleaned up")
                .doesNotContain("rows are lost");
        assertThat(metrics.count("commitOutcomeUnknown")).isEqualTo(1);
        assertThat(metrics.count("commitsLost")).isZero();
    }

    @Test
    void anUnknownIdWithinTheMarkerCleanupHorizonIsLost() throws Exception {
        database.committedEarlier(new SinkXid("counts", 0, XID.checkpointId() + 3, 0));
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(() -> committer.commit(List.of(request)))
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.unknownFailures.get(0).getMessage()).contains("rows are lost");
    }

    @Test
    void aRollbackByTheDatabaseFailsTheJob() throws Exception {
        database.prepared(XID).failCommit(XID, XAException.XA_RBDEADLOCK);
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(() -> committer.commit(List.of(request)))
                .as("a database rollback at commit fails the job")
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.knownFailures)
                .as("a known-reason failure is dropped silently by Flink")
                .isEmpty();
        assertThat(request.unknownFailures).hasSize(1);
        assertThat(request.unknownFailures.get(0).getMessage())
                .contains(XID.toString())
                .contains("rolled back");
        assertThat(metrics.count("xaTransactionsRolledBackByDatabase")).isEqualTo(1);
        assertThat(metrics.count("commitsLost")).isEqualTo(1);
    }

    /**
     * The restart restores the latest checkpoint, which no longer carries the rows; a rewind to an
     * earlier one replays that interval for every subtask. The message must not promise that a
     * restore writes the rows again.
     */
    @Test
    void aRollbackByTheDatabaseTellsWhatARestoreDoesAndDoesNot() throws Exception {
        database.prepared(XID).failCommit(XID, XAException.XA_RBDEADLOCK);
        RecordingCommitRequest request = new RecordingCommitRequest(XID);

        assertThatThrownBy(() -> committer.commit(List.of(request)))
                .isInstanceOf(IllegalStateException.class);

        assertThat(request.unknownFailures.get(0).getMessage())
                .doesNotContain("writes them again")
                .contains("latest checkpoint")
                .contains("duplicat");
    }

    private RecordingCommitRequest commit(SinkXid xid) throws InterruptedException {
        RecordingCommitRequest request = new RecordingCommitRequest(xid);
        committer.commit(List.of(request));
        return request;
    }
}

package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.IntStream;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

/**
 * The recovery rules at writer start, against a fake database: which prepared transactions a
 * subtask settles (its prefixes, {@code subtask mod parallelism}) and how (commit at or below the
 * restored checkpoint, roll back above it, roll back everything without a restore).
 */
class PreparedTransactionsTest {

    private static final Set<String> PREFIX = Set.of("counts");
    private final FakeXaDatabase database = new FakeXaDatabase();

    @Test
    void withoutRestoreEveryOwnedTransactionIsRolledBack() throws Exception {
        SinkXid own = xid(0, 3);
        SinkXid ownAfterRescale = xid(2, 5);
        SinkXid otherSubtasks = xid(1, 3);
        prepare(own, ownAfterRescale, otherSubtasks);

        PreparedTransactions.Settled settled =
                PreparedTransactions.settle(database, PREFIX, 0, 2, OptionalLong.empty());

        assertThat(settled.rolledBack()).containsExactlyInAnyOrder(own, ownAfterRescale);
        assertThat(settled.committed()).isEmpty();
        assertThat(database.stillPrepared()).containsExactly(otherSubtasks);
    }

    @Test
    void restoredCommitsAtAndBelowTheCheckpointAndRollsBackAbove() throws Exception {
        SinkXid below = xid(0, 4);
        SinkXid at = xid(0, 5);
        SinkXid above = xid(0, 6);
        prepare(below, at, above);

        PreparedTransactions.Settled settled =
                PreparedTransactions.settle(database, PREFIX, 0, 1, OptionalLong.of(5));

        assertThat(settled.committed())
                .as("carried by completed checkpoints")
                .containsExactlyInAnyOrder(below, at);
        assertThat(settled.rolledBack())
                .as("no completed checkpoint carries it")
                .containsExactly(above);
        assertThat(database.committed).containsExactlyInAnyOrder(below, at);
        assertThat(database.rolledBack).containsExactly(above);
        assertThat(database.stillPrepared()).isEmpty();
    }

    @Test
    void otherPrefixesAndOtherApplicationsAreLeftAlone() throws Exception {
        SinkXid otherSink = new SinkXid("other", 0, 9, 0);
        Xid otherApplication =
                new Xid() {
                    @Override
                    public int getFormatId() {
                        return 1;
                    }

                    @Override
                    public byte[] getGlobalTransactionId() {
                        return "counts:0:9:0".getBytes();
                    }

                    @Override
                    public byte[] getBranchQualifier() {
                        return new byte[] {'0'};
                    }
                };
        database.prepared(otherSink).prepared(otherApplication);

        PreparedTransactions.settle(database, PREFIX, 0, 1, OptionalLong.of(5));
        PreparedTransactions.settle(database, PREFIX, 0, 1, OptionalLong.empty());

        assertThat(database.stillPrepared()).containsExactlyInAnyOrder(otherSink, otherApplication);
    }

    @Test
    void aRestoreWithANewPrefixSettlesTheOldPrefixToo() throws Exception {
        SinkXid oldBelow = new SinkXid("counts-v1", 1, 4, 2);
        SinkXid oldAbove = new SinkXid("counts-v1", 1, 6, 2);
        prepare(oldBelow, oldAbove);

        PreparedTransactions.settle(
                database, Set.of("counts", "counts-v1"), 0, 1, OptionalLong.of(5));

        assertThat(database.committed).containsExactly(oldBelow);
        assertThat(database.rolledBack).containsExactly(oldAbove);
    }

    @Test
    void rescaleTwoToOne() throws Exception {
        assertRescale(2, 1);
    }

    @Test
    void rescaleTwoToThree() throws Exception {
        assertRescale(2, 3);
    }

    @Test
    void rescaleThreeToTwo() throws Exception {
        assertRescale(3, 2);
    }

    @Test
    void aTransactionAttachedToALiveSessionIsReportedNotSkipped() throws Exception {
        SinkXid attached = xid(0, 6);
        database.prepared(attached).attach(attached);

        PreparedTransactions.Settled settled =
                PreparedTransactions.settle(database, PREFIX, 0, 1, OptionalLong.of(5));

        assertThat(settled.stuck()).containsExactly(attached);
        assertThat(database.stillPrepared()).containsExactly(attached);
    }

    /**
     * After a rescale the committer subtask holding a restored id need not be its owner: the
     * owner's rollback or commit can meet XAER_NOTA while XA RECOVER still lists the id, because
     * that committer is committing it right then. Once it is gone, nothing is stuck.
     */
    @Test
    void anIdFinishedByAnotherSessionDuringSettlementIsNotStuck() throws Exception {
        SinkXid beingCommittedElsewhere = xid(1, 4);
        database.committedByAnotherSessionAfterOneNota(beingCommittedElsewhere);
        List<Duration> pauses = new ArrayList<>();

        PreparedTransactions.Settled settled =
                PreparedTransactions.settle(
                        database, PREFIX, 0, 1, OptionalLong.of(5), pauses::add);

        assertThat(settled.stuck()).as("listed and NOTA once, then committed elsewhere").isEmpty();
        assertThat(database.stillPrepared()).isEmpty();
        assertThat(database.committed).containsExactly(beingCommittedElsewhere);
        assertThat(pauses).as("looked again after a pause").hasSize(1);
    }

    @Test
    void anIdListedAndNotaOnEveryLookIsStuckAfterABoundedNumberOfLooks() throws Exception {
        SinkXid attached = xid(0, 4);
        database.prepared(attached).attach(attached);
        List<Duration> pauses = new ArrayList<>();

        PreparedTransactions.Settled settled =
                PreparedTransactions.settle(
                        database, PREFIX, 0, 1, OptionalLong.of(5), pauses::add);

        assertThat(settled.stuck()).containsExactly(attached);
        assertThat(pauses).hasSize(PreparedTransactions.LOOKS_WHILE_LISTED - 1);
    }

    /**
     * Old subtasks each left one transaction below, one at and one above the restored checkpoint 5.
     * Every new subtask settles; afterwards nothing is prepared, each transaction was settled by
     * exactly the new subtask {@code old mod newParallelism}, the right way.
     */
    private void assertRescale(int oldParallelism, int newParallelism) throws Exception {
        List<SinkXid> belowOrAt = new ArrayList<>();
        List<SinkXid> above = new ArrayList<>();
        for (int old = 0; old < oldParallelism; old++) {
            belowOrAt.add(xid(old, 4));
            belowOrAt.add(xid(old, 5));
            above.add(xid(old, 6));
        }
        belowOrAt.forEach(database::prepared);
        above.forEach(database::prepared);

        List<PreparedTransactions.Settled> bySubtask =
                IntStream.range(0, newParallelism)
                        .mapToObj(subtask -> settle(subtask, newParallelism))
                        .toList();

        assertThat(database.stillPrepared()).as("nothing left prepared").isEmpty();
        assertThat(database.committed).containsExactlyInAnyOrderElementsOf(belowOrAt);
        assertThat(database.rolledBack).containsExactlyInAnyOrderElementsOf(above);
        for (int subtask = 0; subtask < newParallelism; subtask++) {
            int owner = subtask;
            PreparedTransactions.Settled settled = bySubtask.get(subtask);
            assertThat(settled.committed()).allMatch(x -> x.subtask() % newParallelism == owner);
            assertThat(settled.rolledBack()).allMatch(x -> x.subtask() % newParallelism == owner);
            assertThat(settled.stuck()).isEmpty();
        }
    }

    private PreparedTransactions.Settled settle(int subtask, int parallelism) {
        try {
            return PreparedTransactions.settle(
                    database, PREFIX, subtask, parallelism, OptionalLong.of(5));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void prepare(SinkXid... xids) {
        for (SinkXid xid : xids) {
            database.prepared(xid);
        }
    }

    private static SinkXid xid(int subtask, long checkpoint) {
        return new SinkXid("counts", subtask, checkpoint, 0);
    }
}

package io.exactlyonce.sinks.jdbc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import javax.transaction.xa.Xid;

/**
 * The XA transaction id of one sink subtask's writes between two checkpoints.
 *
 * <p>The global transaction id is readable text, {@code prefix:subtask:checkpoint:attempt}, so
 * {@code XA RECOVER} tells an operator whose transaction is left prepared. {@code checkpoint} is
 * the first checkpoint that can carry the transaction (the last one the writer snapshotted, plus
 * one): on recovery from checkpoint N every prepared transaction above N belongs to a checkpoint
 * that never completed and is rolled back, and every one at or below N is committed from the
 * restored committables. {@code attempt} keeps a new execution attempt from colliding with a
 * transaction a dying one still holds open.
 */
public final class SinkXid implements Xid {

    /** Marks this project's transactions among others in the same database ("EOX1"). */
    static final int FORMAT_ID = 0x454F5831;

    /** One branch per transaction; MySQL's XA syntax has no empty branch qualifier. */
    private static final byte[] BRANCH = {'0'};

    private final String prefix;
    private final int subtask;
    private final long checkpointId;
    private final int attempt;
    private final byte[] globalTransactionId;

    public SinkXid(String prefix, int subtask, long checkpointId, int attempt) {
        this.prefix = prefix;
        this.subtask = subtask;
        this.checkpointId = checkpointId;
        this.attempt = attempt;
        this.globalTransactionId =
                (prefix + ':' + subtask + ':' + checkpointId + ':' + attempt)
                        .getBytes(StandardCharsets.UTF_8);
    }

    /** Reads back an id written by this class; empty for any other transaction. */
    public static Optional<SinkXid> parse(Xid xid) {
        if (xid.getFormatId() != FORMAT_ID) {
            return Optional.empty();
        }
        String[] parts =
                new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8).split(":");
        if (parts.length != 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    new SinkXid(
                            parts[0],
                            Integer.parseInt(parts[1]),
                            Long.parseLong(parts[2]),
                            Integer.parseInt(parts[3])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String prefix() {
        return prefix;
    }

    public int subtask() {
        return subtask;
    }

    public long checkpointId() {
        return checkpointId;
    }

    public int attempt() {
        return attempt;
    }

    @Override
    public int getFormatId() {
        return FORMAT_ID;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return globalTransactionId.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
        return BRANCH.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SinkXid
                && Arrays.equals(globalTransactionId, ((SinkXid) o).globalTransactionId);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(globalTransactionId);
    }

    @Override
    public String toString() {
        return new String(globalTransactionId, StandardCharsets.UTF_8);
    }
}

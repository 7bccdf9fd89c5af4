package io.exactlyonce.sinks.jdbc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Checkpoints a committable: the XA id to commit once its checkpoint completes. */
final class SinkXidSerializer implements SimpleVersionedSerializer<SinkXid> {

    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(SinkXid xid) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(xid.prefix());
            out.writeInt(xid.subtask());
            out.writeLong(xid.checkpointId());
            out.writeInt(xid.attempt());
        }
        return bytes.toByteArray();
    }

    @Override
    public SinkXid deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown XA committable version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            return new SinkXid(in.readUTF(), in.readInt(), in.readLong(), in.readInt());
        }
    }
}

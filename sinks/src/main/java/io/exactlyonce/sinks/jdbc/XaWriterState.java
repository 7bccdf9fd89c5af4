package io.exactlyonce.sinks.jdbc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * What a writer remembers across a restore: the prefix its transactions were named with, so a job
 * restored with a new prefix still rolls back what the old one left prepared.
 */
record XaWriterState(String xidPrefix) {

    static final class Serializer implements SimpleVersionedSerializer<XaWriterState> {

        private static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(XaWriterState state) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(state.xidPrefix());
            }
            return bytes.toByteArray();
        }

        @Override
        public XaWriterState deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException("unknown XA writer state version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return new XaWriterState(in.readUTF());
            }
        }
    }
}

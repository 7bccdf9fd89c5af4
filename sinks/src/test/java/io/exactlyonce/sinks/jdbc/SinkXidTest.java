package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

class SinkXidTest {

    @Test
    void readsBackWhatItWrote() throws Exception {
        SinkXid xid = new SinkXid("visit-count", 3, 42L, 1);

        assertThat(SinkXid.parse(foreignCopyOf(xid))).contains(xid);
        assertThat(xid.toString()).isEqualTo("visit-count:3:42:1");
        SinkXidSerializer serializer = new SinkXidSerializer();
        assertThat(serializer.deserialize(serializer.getVersion(), serializer.serialize(xid)))
                .isEqualTo(xid);
    }

    @Test
    void ignoresOtherApplicationsTransactions() {
        Xid other =
                new Xid() {
                    @Override
                    public int getFormatId() {
                        return 1;
                    }

                    @Override
                    public byte[] getGlobalTransactionId() {
                        return "visit-count:3:42:1".getBytes(StandardCharsets.UTF_8);
                    }

                    @Override
                    public byte[] getBranchQualifier() {
                        return new byte[] {1};
                    }
                };

        assertThat(SinkXid.parse(other)).isEmpty();
    }

    /** An Xid as a driver's XA RECOVER returns it: not our class, same bytes. */
    private static Xid foreignCopyOf(SinkXid xid) {
        return new Xid() {
            @Override
            public int getFormatId() {
                return xid.getFormatId();
            }

            @Override
            public byte[] getGlobalTransactionId() {
                return xid.getGlobalTransactionId();
            }

            @Override
            public byte[] getBranchQualifier() {
                return xid.getBranchQualifier();
            }
        };
    }
}

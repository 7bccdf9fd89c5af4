package io.exactlyonce.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.operators.DeadLetter;
import io.exactlyonce.pipeline.operators.DeadLetterReason;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.RawRecord;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The Java records that travel between the job's operators and to its side topics stay on Flink's
 * own (POJO) serializers, never Kryo: Flink's type extraction takes a record as a POJO.
 */
class SideOutputTypesTest {

    @Test
    void aDeadLetterTravelsWithoutKryoAndComesBackEqual() throws Exception {
        assertRoundTripWithoutKryo(DeadLetter.class, aDeadLetter());
    }

    @Test
    void aVisitTravelsWithoutKryoAndComesBackEqual() throws Exception {
        assertRoundTripWithoutKryo(Visit.class, aVisit());
    }

    @Test
    void aDecodedVisitTravelsWithoutKryoAndComesBackEqual() throws Exception {
        assertRoundTripWithoutKryo(DecodedRecord.class, DecodedRecord.visit(aVisit()));
    }

    @Test
    void aDecodedDeadLetterTravelsWithoutKryoAndComesBackEqual() throws Exception {
        assertRoundTripWithoutKryo(DecodedRecord.class, DecodedRecord.deadLetter(aDeadLetter()));
    }

    @Test
    void aForwardedRecordTravelsWithoutKryoAndComesBackEqual() throws Exception {
        assertRoundTripWithoutKryo(
                ForwardedRecord.class,
                new ForwardedRecord(
                        new byte[] {1, 2},
                        new byte[] {3},
                        Map.of("reason", "LATE", "detail", "closed")));
    }

    private static Visit aVisit() {
        return new Visit("e1", "alice", 60_000L, 2, 9L, new byte[] {0, 4, 5});
    }

    private static DeadLetter aDeadLetter() {
        return new DeadLetter(
                DeadLetterReason.MALFORMED_AVRO,
                "bad varint",
                new RawRecord("visits", 1, 7L, 1_000L, new byte[] {1}, new byte[] {2, 3}));
    }

    private static <T> void assertRoundTripWithoutKryo(Class<T> type, T value) throws Exception {
        TypeInformation<T> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);

        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        // A field Flink could only hand to Kryo now fails createSerializer.
        noKryo.setGenericTypes(false);
        TypeSerializer<T> serializer = info.createSerializer(noKryo);
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);

        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isEqualTo(value);
    }
}

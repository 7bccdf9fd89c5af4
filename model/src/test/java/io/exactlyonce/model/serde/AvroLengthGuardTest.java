package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class AvroLengthGuardTest {

    @Test
    void aRecordNestedInItselfWithoutAByteBetweenIsMalformedInsteadOfWalkedForever() {
        Schema loop = Schema.createRecord("Loop", null, "io.exactlyonce.test", false);
        loop.setFields(List.of(new Schema.Field("x", loop)));
        Schema writer = Schema.createUnion(Schema.create(Schema.Type.NULL), loop);
        byte[] takesTheLoopBranch = {0x02};

        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () ->
                        assertThatThrownBy(
                                        () ->
                                                AvroLengthGuard.check(
                                                        writer, takesTheLoopBranch, 0, " (test)"))
                                .isInstanceOf(RecordDecodingException.class)
                                .satisfies(
                                        e ->
                                                assertThat(((RecordDecodingException) e).reason())
                                                        .isEqualTo(DecodingFailure.MALFORMED_AVRO))
                                .hasMessageContaining("io.exactlyonce.test.Loop"));
    }

    @Test
    void aRecursiveRecordWhoseNestingReadsBytesPasses() {
        Schema step = GenericWireFormat.recursiveStep("io.exactlyonce.test");
        Schema empty = Schema.createRecord("Empty", null, "io.exactlyonce.test", false);
        empty.setFields(List.of());
        Schema twoEmpties = Schema.createRecord("Pair", null, "io.exactlyonce.test", false);
        twoEmpties.setFields(
                List.of(
                        new Schema.Field("a", empty),
                        new Schema.Field("b", empty),
                        new Schema.Field("trail", step)));

        // Two sibling records of one schema at the same offset are not nested; three Steps, then
        // null.
        AvroLengthGuard.check(twoEmpties, new byte[] {0x02, 0x02, 0x02, 0x00}, 0, " (test)");
    }
}

package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {

    @Test
    void writesMagicByteThenBigEndianSchemaId() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        ConfluentWireFormat.writeHeader(out, 0x01020304);

        assertThat(out.toByteArray()).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04);
    }

    @Test
    void readsBackTheSchemaIdIncludingHighBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(out, 0x7fee00ff);

        assertThat(ConfluentWireFormat.readSchemaId(out.toByteArray())).isEqualTo(0x7fee00ff);
    }

    @Test
    void ignoresTheBodyWhenReadingTheHeader() {
        assertThat(ConfluentWireFormat.readSchemaId(new byte[] {0, 0, 0, 0, 7, 0x55, 0x66}))
                .isEqualTo(7);
    }

    @Test
    void rejectsNullPayload() {
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(null))
                .isInstanceOf(WireFormatException.class)
                .extracting(e -> ((WireFormatException) e).reason())
                .isEqualTo(DecodingFailure.NULL_PAYLOAD);
    }

    @Test
    void rejectsEmptyPayloadAsTruncated() {
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[0]))
                .isInstanceOf(WireFormatException.class)
                .extracting(e -> ((WireFormatException) e).reason())
                .isEqualTo(DecodingFailure.TRUNCATED);
    }

    @Test
    void rejectsPayloadShorterThanTheHeaderAsTruncated() {
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[] {0, 0, 0, 1}))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("4 bytes")
                .extracting(e -> ((WireFormatException) e).reason())
                .isEqualTo(DecodingFailure.TRUNCATED);
    }

    @Test
    void rejectsWrongMagicByte() {
        assertThatThrownBy(() -> ConfluentWireFormat.readSchemaId(new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("0x01")
                .extracting(e -> ((WireFormatException) e).reason())
                .isEqualTo(DecodingFailure.BAD_MAGIC_BYTE);
    }
}

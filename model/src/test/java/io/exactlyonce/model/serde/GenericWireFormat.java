package io.exactlyonce.model.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Writes and reads generic records in the wire format, standing in for a producer or consumer that
 * has a different schema version than the generated classes. In the test-jar, for the modules above
 * too.
 */
public final class GenericWireFormat {

    private GenericWireFormat() {}

    public static byte[] serialize(GenericRecord record, int schemaId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(out, schemaId);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static GenericRecord deserialize(
            byte[] payload, Schema writerSchema, Schema readerSchema) {
        byte[] body =
                Arrays.copyOfRange(payload, ConfluentWireFormat.HEADER_LENGTH, payload.length);
        try {
            return new GenericDatumReader<GenericRecord>(writerSchema, readerSchema)
                    .read(null, DecoderFactory.get().binaryDecoder(body, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Schema loadSchema(String resource) {
        try (var in = GenericWireFormat.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("No test resource " + resource);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A record whose only field is a nullable record of its own type: a schema whose data nests as
     * deep as a writer likes, which is what the length and depth guards must withstand.
     */
    public static Schema recursiveStep(String namespace) {
        Schema step = Schema.createRecord("Step", null, namespace, false);
        step.setFields(
                List.of(
                        new Schema.Field(
                                "next",
                                Schema.createUnion(Schema.create(Schema.Type.NULL), step),
                                null,
                                Schema.Field.NULL_DEFAULT_VALUE)));
        return step;
    }
}
